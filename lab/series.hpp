// Curves, figures and numbers from a results table, for a report:
//   add_series_by(plot, results, "cell", "distance", "grad_norm");  // one line per cell
//   add_figure(report, "gradient", "caption", plot);               // gradient.svg, .png
//   mean_of(results, {{"cell", "lstm"}, {"distance", "99"}}, "grad_norm")
#pragma once

#include <map>
#include <string>

#include "lab/report.hpp"
#include "lab/table.hpp"
#include "plot/line_plot.hpp"

namespace unroll::lab {

// Writes `figure` (a plot::LinePlot or plot::Heatmap) as <name>.svg and .png into the report's
// folder and shows it in the report with `caption`.
template <class Figure>
void add_figure(Report& report, const std::string& name, const std::string& caption,
                const Figure& figure) {
  figure.write(report.figure_path(name));
  report.figure(name, caption);
}

// One series per distinct value of column `series` (titled by it, in the order the values first
// appear): `y` against `x` (numbers), the mean over that value's rows at each x (over the seeds).
plot::LinePlot& add_series_by(plot::LinePlot& plot, const Table& results, const std::string& series,
                              const std::string& x, const std::string& y,
                              plot::Marks marks = plot::Marks::lines);

// The mean of `column` over the rows matching `match`; NaN when none does.
double mean_of(const Table& results, const std::map<std::string, std::string>& match,
               const std::string& column);

}  // namespace unroll::lab
