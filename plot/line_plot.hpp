// Line and point plots of several series: gradient norm against distance (log y), loss against
// steps, success against sequence length.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "plot/figure.hpp"

namespace unroll::plot {

// How a series is drawn.
enum class Marks {
  lines,         // a line through the points (long curves: loss against steps)
  points,        // a marker at each point (measurements: success against length)
  lines_points,  // both (few points, several series)
};

// Several series of (x, y) points in one frame, each in its own colour and marker, the legend
// outside the data on the right (under it when an entry is longer than 24 characters):
//   LinePlot p;
//   p.title("gradient flow").x_label("distance").y_label("‖∂L/∂h‖").log_y();
//   p.add_series("ρ = 0.5", xs, ys);
//   p.write("out/gradient-flow");  // out/gradient-flow.svg and .png
// Points with a NaN or infinite coordinate, or one ≤ 0 on a log axis, are left out and break the
// series' line there, so a gap shows where values are missing; a series with no such point
// keeps its legend entry; a plot with none at all says "no finite data".
class LinePlot : public Figure<LinePlot> {
 public:
  // A logarithmic x axis (decades).
  LinePlot& log_x(bool on = true);
  // A logarithmic y axis (decades), for quantities that vanish or explode.
  LinePlot& log_y(bool on = true);
  // Fixes the y range to [lo, hi] instead of fitting the data (e.g. [0, 1] for a success rate);
  // ValueError unless lo < hi, and both > 0 on a log axis (checked when written).
  LinePlot& y_range(double lo, double hi);
  // Labels exactly these x values (e.g. the lengths 10, 25, 50, 100, 200 on a log axis, which
  // would otherwise be labelled only at its decades).
  LinePlot& x_ticks(std::vector<double> xs);
  // Adds a series (legend `title`, drawn exactly as given, cut to 80 characters ending in "…" if
  // longer; `xs` and `ys` of equal length, else ValueError). Series are drawn in the order added.
  LinePlot& add_series(std::string title, std::span<const double> xs, std::span<const double> ys,
                       Marks marks = Marks::lines_points);

  // The gnuplot commands that draw this plot (everything but the terminal); what write() renders.
  std::string script() const;

 private:
  struct Series {
    std::string title;
    std::vector<double> xs;
    std::vector<double> ys;
    Marks marks;
  };
  std::vector<Series> series_;
  bool log_x_ = false;
  bool log_y_ = false;
  std::optional<std::pair<double, double>> y_range_;
  std::vector<double> x_ticks_;
};

}  // namespace unroll::plot
