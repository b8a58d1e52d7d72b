#include "plot/line_plot.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "framework/errors.hpp"
#include "plot/axis.hpp"
#include "plot/gnuplot.hpp"
#include "plot/style.hpp"

namespace unroll::plot {

namespace {

const char* with_of(Marks marks) {
  switch (marks) {
    case Marks::lines:
      return "lines";
    case Marks::points:
      return "points";
    case Marks::lines_points:
      break;
  }
  return "linespoints";
}

// Legend entries longer than this (in code points) move the legend under the plot, where it has
// the width of the picture; beside it, they would squeeze the data out.
constexpr std::size_t kLongTitle = 24;

// Legend entries are cut to this many code points (ending in "…"); gnuplot cannot fit longer
// ones even under the plot.
constexpr std::size_t kLongestTitle = 80;

bool starts_code_point(char c) { return (c & 0xC0) != 0x80; }

std::size_t code_points(std::string_view text) {
  return std::count_if(text.begin(), text.end(), starts_code_point);
}

// `title` as the legend shows it: at most kLongestTitle code points, the last "…" if cut.
std::string legend_entry(const std::string& title) {
  if (code_points(title) <= kLongestTitle) return title;
  std::size_t seen = 0;
  for (std::size_t i = 0;; ++i)
    if (starts_code_point(title[i]) && seen++ == kLongestTitle - 1) return title.substr(0, i) + "…";
}

}  // namespace

LinePlot& LinePlot::log_x(bool on) {
  log_x_ = on;
  return *this;
}

LinePlot& LinePlot::log_y(bool on) {
  log_y_ = on;
  return *this;
}

LinePlot& LinePlot::y_range(double lo, double hi) {
  y_range_ = {lo, hi};
  return *this;
}

LinePlot& LinePlot::x_ticks(std::vector<double> xs) {
  x_ticks_ = std::move(xs);
  return *this;
}

LinePlot& LinePlot::add_series(std::string title, std::span<const double> xs,
                               std::span<const double> ys, Marks marks) {
  if (xs.size() != ys.size())
    throw ValueError(fmt::format("LinePlot::add_series '{}': {} x values but {} y values", title,
                                 xs.size(), ys.size()));
  series_.push_back({std::move(title), std::vector(xs.begin(), xs.end()),
                     std::vector(ys.begin(), ys.end()), marks});
  return *this;
}

std::string LinePlot::script() const {
  std::string s = frame_commands(frame_, log_y_);
  for (const Series& series : series_)
    if (code_points(series.title) > kLongTitle) {
      s += "set key below\n";
      break;
    }
  if (log_x_) s += "set logscale x 10\n";
  if (log_y_) s += "set logscale y 10\n";
  // The data's own range plus a margin that keeps markers clear of the border.
  s += "set autoscale fix\nset offsets graph 0.02, graph 0.02, graph 0.04, graph 0.04\n";
  Extent x_extent, y_extent;
  std::vector<bool> has_points(series_.size(), false);
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const Series& series = series_[i];
    s += fmt::format("$series{} << EOD\n", i);
    bool broken = true;  // no blank line before the first point or after another blank line
    for (std::size_t k = 0; k < series.xs.size(); ++k) {
      const double x = series.xs[k], y = series.ys[k];
      if (!drawable(x, log_x_) || !drawable(y, log_y_)) {
        if (!broken) s += "\n";
        broken = true;
        continue;
      }
      s += number(x) + " " + number(y) + "\n";
      x_extent.add(x);
      y_extent.add(y);
      broken = false;
      has_points[i] = true;
    }
    s += "EOD\n";
  }
  s += range_fix("x", x_extent, log_x_);
  if (y_range_) {
    const auto [lo, hi] = *y_range_;
    if (!(lo < hi) || (log_y_ && !(lo > 0)))
      throw ValueError(fmt::format("LinePlot: y range [{}, {}] is empty{}", lo, hi,
                                   log_y_ ? " or not positive on a log axis" : ""));
    s += fmt::format("set yrange [{}:{}]\n", number(lo), number(hi));
    if (log_y_) s += log_format("y", lo, hi);
  } else {
    s += range_fix("y", y_extent, log_y_);
    if (log_y_) s += log_format("y", y_extent.lo, y_extent.hi);
  }
  if (!x_ticks_.empty()) {
    std::vector<std::string> ticks;
    for (double x : x_ticks_) ticks.push_back(number(x));
    s += fmt::format("set xtics ({})\n", fmt::join(ticks, ", "));
  } else if (log_x_) {
    s += log_format("x", x_extent.lo, x_extent.hi);
  }
  if (x_extent.empty())
    s += "set label 'no finite data' at graph 0.5, 0.5 center textcolor rgb '#808080' noenhanced\n";
  std::string plots;
  for (std::size_t i = 0; i < series_.size(); ++i) {
    const std::string source = has_points[i] ? fmt::format("$series{} using 1:2", i) : "NaN";
    plots +=
        fmt::format("{}{} with {} {} title {} noenhanced", i == 0 ? "" : ", ", source,
                    with_of(series_[i].marks), series_style(i, series_[i].marks != Marks::lines),
                    quote(legend_entry(series_[i].title)));
  }
  return s + "plot " + (plots.empty() ? "NaN notitle" : plots) + "\n";
}

}  // namespace unroll::plot
