// What LinePlot and Heatmap share: the frame's fluent setters and write().
#pragma once

#include <filesystem>
#include <string>
#include <utility>

#include "plot/output.hpp"
#include "plot/style.hpp"

namespace unroll::plot {

// Base of every plot; `Derived` provides `std::string script() const` (its gnuplot commands).
template <class Derived>
class Figure {
 public:
  // The title above the plot, drawn exactly as given (quotes, backslashes, _ ^ { } and all).
  Derived& title(std::string text) {
    frame_.title = std::move(text);
    return self();
  }
  // The label under the x axis, drawn exactly as given.
  Derived& x_label(std::string text) {
    frame_.x_label = std::move(text);
    return self();
  }
  // The label beside the y axis, drawn exactly as given.
  Derived& y_label(std::string text) {
    frame_.y_label = std::move(text);
    return self();
  }
  // The picture's size in pixels; 800×500 unless set.
  Derived& size(int width, int height) {
    frame_.size = {width, height};
    return self();
  }

  // Writes `base`.svg and `base`.png, both or neither (see write_svg_and_png): "out/loss" gives
  // out/loss.svg and out/loss.png. Throws PlotError (missing folder, gnuplot failing) or
  // ValueError (data that makes no plot).
  void write(const std::filesystem::path& base) const {
    write_svg_and_png(base, frame_.size, static_cast<const Derived&>(*this).script());
  }

 protected:
  Frame frame_;

 private:
  Derived& self() { return static_cast<Derived&>(*this); }
};

}  // namespace unroll::plot
