// Which values an axis can show, and ranges for the cases gnuplot's autoscaling refuses.
#pragma once

#include <limits>
#include <string>
#include <string_view>

namespace unroll::plot {

// Whether `value` can be drawn on an axis: finite, and positive on a log axis. Values that
// cannot are left out of the plot (a line is broken there), never passed to gnuplot.
bool drawable(double value, bool log);

// The smallest and largest value drawn on an axis.
struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();

  // Widens the extent to include `value`.
  void add(double value);
  // Whether no value was added.
  bool empty() const { return lo > hi; }
};

// A "set {axis}range" command when autoscaling would fail or warn — no values at all (then
// [0:1], or [1:10] on a log axis) or a single value (then a range around it) — else "".
std::string range_fix(std::string_view axis, Extent extent, bool log);

// "set format {axis} '10^{%L}'" when a log axis over [lo, hi] spans two decades or more (so its
// ticks are powers of ten) and leaves [0.001, 10000]; else "": gnuplot's default plain numbers
// (0.01, 100) read better there, and label ticks between powers of ten correctly.
std::string log_format(std::string_view axis, double lo, double hi);

}  // namespace unroll::plot
