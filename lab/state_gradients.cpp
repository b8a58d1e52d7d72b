#include "lab/state_gradients.hpp"

#include <random>
#include <string>

namespace unroll::lab {

Probe random_probe(std::size_t batch, std::size_t steps, std::size_t inputs, std::size_t hidden,
                   std::uint64_t seed, bool zero_inputs) {
  std::mt19937_64 rng(seed * 7919 + 17);
  std::normal_distribution<double> normal(0.0, 1.0);
  Probe p{Array<double>::from_shape({batch, steps, inputs}),
          Array<double>::from_shape({batch, hidden})};
  for (auto& v : p.x) v = zero_inputs ? 0.0 : normal(rng);
  for (std::size_t b = 0; b < batch; ++b) {
    double n = 0;
    for (std::size_t j = 0; j < hidden; ++j) n += (p.r(b, j) = normal(rng)) * p.r(b, j);
    for (std::size_t j = 0; j < hidden; ++j) p.r(b, j) /= std::sqrt(n);
  }
  return p;
}

std::vector<Row> distance_rows(const std::vector<double>& g) {
  std::vector<Row> rows;
  for (std::size_t d = 0; d < g.size(); ++d)
    rows.push_back({{"distance", std::to_string(d)}, {"grad_norm", number(g[d])}});
  return rows;
}

}  // namespace unroll::lab
