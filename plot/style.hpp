// The house style every plot shares: a title and axis labels drawn verbatim, light grid lines,
// the legend outside the data on the right, ten distinguishable series colours.
#pragma once

#include <cstddef>
#include <string>

#include "plot/output.hpp"

namespace unroll::plot {

// What every plot has besides its data.
struct Frame {
  std::string title;
  std::string x_label;
  std::string y_label;
  Size size;
};

// gnuplot commands for `frame`'s title and labels (all noenhanced: drawn exactly as given), the
// border, the grid (minor grid lines too when `log_y`) and the legend.
std::string frame_commands(const Frame& frame, bool log_y);

// The line style of series `index`: one of ten colours (Tableau 10, distinguishable and
// colour-blind aware), each with its own marker when `markers`; past ten, the colours repeat
// dashed.
std::string series_style(std::size_t index, bool markers);

// The sequential colour palette of heatmaps (viridis: perceptually uniform, readable in grey).
std::string palette_commands();

// A number as gnuplot reads it back exactly (the shortest round-trip form).
std::string number(double value);

}  // namespace unroll::plot
