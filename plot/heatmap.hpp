// A grid of values as coloured cells: gradient norm over distance × setting, on a log colour
// scale when the values span decades.
#pragma once

#include <string>
#include <vector>

#include "plot/figure.hpp"

namespace unroll::plot {

// Rows × columns of values as coloured cells (viridis), row 0 at the top, a colour bar on the
// right:
//   Heatmap h;
//   h.title("‖∂L/∂h_t‖").x_label("distance").x_labels({"1", "2", "4"});
//   h.y_labels({"ρ = 0.5", "ρ = 1"}).log_scale();
//   h.set({{1, 0.1, 0.01}, {1, 1, 1}});
//   h.write("out/gradient-map");
// A cell whose value is NaN, infinite, or ≤ 0 on a log scale is drawn hatched grey, with a
// legend entry "no value" under the plot, rather than given a colour.
class Heatmap : public Figure<Heatmap> {
 public:
  // Column labels, left to right; without them columns are numbered from 0.
  Heatmap& x_labels(std::vector<std::string> labels);
  // Row labels, top to bottom; without them rows are numbered from 0.
  Heatmap& y_labels(std::vector<std::string> labels);
  // The label beside the colour bar, drawn exactly as given.
  Heatmap& colour_label(std::string text);
  // A logarithmic colour scale (decades).
  Heatmap& log_scale(bool on = true);
  // The values, rows[r][c] for row r and column c; every row as long as the first and at least
  // one cell, else ValueError.
  Heatmap& set(std::vector<std::vector<double>> rows);

  // The gnuplot commands that draw this heatmap (everything but the terminal); what write()
  // renders. ValueError when no values were set or a label list does not match their shape.
  std::string script() const;

 private:
  std::vector<std::string> x_labels_;
  std::vector<std::string> y_labels_;
  std::string colour_label_;
  bool log_scale_ = false;
  std::vector<std::vector<double>> rows_;
};

}  // namespace unroll::plot
