#include "plot/heatmap.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "framework/errors.hpp"
#include "plot/axis.hpp"
#include "plot/gnuplot.hpp"
#include "plot/style.hpp"

namespace unroll::plot {

namespace {

// At most this many tick labels on an axis; past it every k-th cell is labelled.
constexpr std::size_t kMaxTicks = 20;

// "set {axis}tics (...)" naming cells 0..n-1 with `labels`, or with their index when empty.
std::string tics(std::string_view axis, const std::vector<std::string>& labels, std::size_t n) {
  const std::size_t every = (n + kMaxTicks - 1) / kMaxTicks;
  std::string s = fmt::format("set {}tics (", axis);
  for (std::size_t i = 0; i < n; i += every) {
    const std::string label = labels.empty() ? std::to_string(i) : labels[i];
    s += fmt::format("{}{} {}", i == 0 ? "" : ", ", quote(label), i);
  }
  return s + ") noenhanced\n";
}

void check_labels(const char* what, const std::vector<std::string>& labels, std::size_t n) {
  if (!labels.empty() && labels.size() != n)
    throw ValueError(fmt::format("Heatmap: {} labels for {} {}s", labels.size(), n, what));
}

}  // namespace

Heatmap& Heatmap::x_labels(std::vector<std::string> labels) {
  x_labels_ = std::move(labels);
  return *this;
}

Heatmap& Heatmap::y_labels(std::vector<std::string> labels) {
  y_labels_ = std::move(labels);
  return *this;
}

Heatmap& Heatmap::colour_label(std::string text) {
  colour_label_ = std::move(text);
  return *this;
}

Heatmap& Heatmap::log_scale(bool on) {
  log_scale_ = on;
  return *this;
}

Heatmap& Heatmap::set(std::vector<std::vector<double>> rows) {
  if (rows.empty() || rows.front().empty())
    throw ValueError("Heatmap::set: no values (need at least one row and one column)");
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (rows[r].size() != rows.front().size())
      throw ValueError(fmt::format("Heatmap::set: row {} has {} values, row 0 has {}", r,
                                   rows[r].size(), rows.front().size()));
  rows_ = std::move(rows);
  return *this;
}

std::string Heatmap::script() const {
  if (rows_.empty()) throw ValueError("Heatmap: no values set");
  const std::size_t n_rows = rows_.size(), n_cols = rows_.front().size();
  check_labels("column", x_labels_, n_cols);
  check_labels("row", y_labels_, n_rows);
  std::string s = frame_commands(frame_, false);
  s += "unset grid\nset key below\nset style fill solid 1.0 noborder\n";
  s += palette_commands();
  s += fmt::format("set cblabel {} noenhanced\n", quote(colour_label_));
  if (log_scale_) s += "set logscale cb 10\n";
  s += fmt::format("set xrange [-0.5:{}]\nset yrange [{}:-0.5]\n", n_cols - 0.5, n_rows - 0.5);
  s += tics("x", x_labels_, n_cols) + tics("y", y_labels_, n_rows);
  std::string cells = "$cells << EOD\n", missing = "$missing << EOD\n";
  Extent extent;
  std::size_t n_missing = 0;
  for (std::size_t r = 0; r < n_rows; ++r) {
    for (std::size_t c = 0; c < n_cols; ++c) {
      const double v = rows_[r][c];
      if (drawable(v, log_scale_)) {
        cells += fmt::format("{} {} {}\n", c, r, number(v));
        extent.add(v);
      } else {
        missing += fmt::format("{} {}\n", c, r);
        ++n_missing;
      }
    }
  }
  s += cells + "EOD\n" + missing + "EOD\n";
  // The colour range is always set: gnuplot 5.4 autoscales a log colour axis wrongly from
  // boxxyerror's colour column.
  s += extent.lo < extent.hi
           ? fmt::format("set cbrange [{}:{}]\n", number(extent.lo), number(extent.hi))
           : range_fix("cb", extent, log_scale_);
  if (log_scale_ && !extent.empty()) s += log_format("cb", extent.lo, extent.hi);
  // Cells overlap by 1% so that antialiasing leaves no seams between them.
  std::vector<std::string> plots;
  if (extent.empty())
    s += "unset colorbox\n";
  else
    plots.push_back("$cells using 1:2:(0.51):(0.51):3 with boxxyerror lc palette notitle");
  if (n_missing > 0)
    plots.push_back(
        "$missing using 1:2:(0.51):(0.51) with boxxyerror fc rgb '#c8c8c8' fs pattern 4 "
        "title 'no value'");
  return s + fmt::format("plot {}\n", fmt::join(plots, ", "));
}

}  // namespace unroll::plot
