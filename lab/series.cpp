#include "lab/series.hpp"

#include <cmath>
#include <vector>

namespace unroll::lab {

plot::LinePlot& add_series_by(plot::LinePlot& plot, const Table& results, const std::string& series,
                              const std::string& x, const std::string& y, plot::Marks marks) {
  for (const auto& value : results.distinct(series)) {
    const Table rows = results.select({{series, value}});
    std::vector<double> xs, ys;
    for (const auto& at : rows.distinct(x)) {
      xs.push_back(std::stod(at));
      ys.push_back(mean_of(rows, {{x, at}}, y));
    }
    plot.add_series(value, xs, ys, marks);
  }
  return plot;
}

double mean_of(const Table& results, const std::map<std::string, std::string>& match,
               const std::string& column) {
  const Table rows = results.select(match);
  double sum = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) sum += rows.number_at(i, column);
  return rows.empty() ? NAN : sum / static_cast<double>(rows.size());
}

}  // namespace unroll::lab
