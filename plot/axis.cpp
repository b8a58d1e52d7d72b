#include "plot/axis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "plot/style.hpp"

namespace unroll::plot {

bool drawable(double value, bool log) { return std::isfinite(value) && (!log || value > 0); }

void Extent::add(double value) {
  lo = std::min(lo, value);
  hi = std::max(hi, value);
}

std::string range_fix(std::string_view axis, Extent extent, bool log) {
  if (extent.empty()) return fmt::format("set {}range [{}:{}]\n", axis, log ? 1 : 0, log ? 10 : 1);
  if (extent.lo < extent.hi) return "";
  const double v = extent.lo;
  if (log) return fmt::format("set {}range [{}:{}]\n", axis, number(v / 2), number(v * 2));
  const double pad = v == 0 ? 1 : std::abs(v) / 10;
  return fmt::format("set {}range [{}:{}]\n", axis, number(v - pad), number(v + pad));
}

std::string log_format(std::string_view axis, double lo, double hi) {
  const bool decades = hi >= 100 * lo && (lo < 1e-3 || hi > 1e4);
  return decades ? fmt::format("set format {} '10^{{%L}}'\n", axis) : "";
}

}  // namespace unroll::plot
