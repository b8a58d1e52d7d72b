// long-range: what the experiment's run and its report share — the scale and the report.
#pragma once

#include <string>
#include <vector>

#include "lab/experiment.hpp"
#include "lab/experiments/long_range_task.hpp"

namespace unroll::lab {

struct LongRangeScale {
  std::vector<std::size_t> lengths;  // T, tried in order; a model stops at its first failure
  SolveBudget budget;
  std::size_t hidden;
  // The gradient's length: short enough that float keeps the plain RNN's ‖∂L/∂h_1‖ (~0.6^T) above
  // its smallest number.
  std::size_t probe_length;
};
LongRangeScale long_range_scale(Scale scale);

// The models of a scale, named: "rnn", "lstm skip k=5", "rnn dilated 1,2,4,8", "gru + attention".
struct NamedSpec {
  std::string label;
  LongRangeSpec spec;
};
std::vector<NamedSpec> long_range_models(Scale scale);

// Tables, figures and findings from the rows of every run (long_range_report.cpp).
void long_range_report(const Table& results, Scale scale, Report& report);

}  // namespace unroll::lab
