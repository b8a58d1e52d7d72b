// A tiny Task for the trainer's tests: Linear(2, 1) learns y = 3·x₀ − 2·x₁ + 1 from 4 points a
// step, drawn from the step number (the data have no state). At `poison_step` (1-based) the step
// goes non-finite: its loss (× ∞), or only its gradient (+ Σ√(0·w): a finite loss, a NaN
// gradient). Validation returns `validation_losses` in turn; how many it returned is the task's
// training state.
#pragma once

#include <cmath>
#include <limits>
#include <vector>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/reduce.hpp"
#include "layers/linear.hpp"
#include "models/training/trainer.hpp"
#include "models/training/training_state.hpp"

namespace unroll::testing {

struct ToyTask : training::Task {
  enum class Poison { Loss, Gradient };

  Linear<float> linear{2, 1, 7};
  std::int64_t poison_step = 0;  // 0: never
  Poison poison = Poison::Loss;
  std::vector<double> validation_losses;
  std::size_t validations = 0;

  Module<float>& model() override { return linear; }

  Var<float> loss(std::int64_t step) override {
    Array<float> x = Array<float>::from_shape({4, 2}), y = Array<float>::from_shape({4, 1});
    for (std::size_t i = 0; i < 4; ++i) {
      const double u = std::sin(4.0 * static_cast<double>(step) + static_cast<double>(i));
      const double v = std::cos(3.0 * static_cast<double>(step) - static_cast<double>(i));
      x(i, 0) = static_cast<float>(u), x(i, 1) = static_cast<float>(v);
      y(i, 0) = static_cast<float>(3 * u - 2 * v + 1);
    }
    Var<float> l = mse(linear.forward(Var<float>(x)), Var<float>(y));
    if (step + 1 != poison_step) return l;
    if (poison == Poison::Loss) return l * std::numeric_limits<float>::infinity();
    return l + sum(sqrt(linear.parameters()[0] * 0.0f));
  }

  std::size_t tokens_per_step() const override { return 4; }
  bool has_validation() const override { return !validation_losses.empty(); }
  training::Validation validate() override {
    return {validation_losses[validations++ % validation_losses.size()], {}};
  }
  std::map<std::string, std::string> checkpoint_metadata() const override {
    return {{"model", "toy"}};
  }
  std::string state_kind() const override { return "toy-training-state"; }
  void save_state(io::SafetensorsFile& state) const override {
    state.metadata["validations"] = std::to_string(validations);
  }
  void load_state(const io::SafetensorsFile& state, const std::string& path) override {
    validations = training::read_count(state, "validations", path);
  }
};

// The model's parameter values, in order.
inline std::vector<Array<float>> weights(ToyTask& task) {
  std::vector<Array<float>> values;
  for (auto& p : task.model().parameters()) values.push_back(p.value());
  return values;
}

}  // namespace unroll::testing
