#include "lab/experiments/experiments.hpp"

namespace unroll::lab {

std::vector<std::unique_ptr<Experiment>> all_experiments() {
  std::vector<std::unique_ptr<Experiment>> all;
  all.push_back(gradient_flow());
  all.push_back(depth());
  all.push_back(cells());
  all.push_back(long_range());
  all.push_back(clipping());
  all.push_back(tbptt());
  return all;
}

}  // namespace unroll::lab
