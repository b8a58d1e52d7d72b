// gradient-flow's trained phase: a layer of F = H inputs trained briefly, in float64, on the
// adding problem — its value and marker channels in inputs 0 and 1, N(0, 1) distractors in the
// other H − 2 (the probe's inputs) — with a linear readout from h_T:
//   ŷ = w · h_T + b,  L = mean_b (ŷ_b − y_b)²;  Adam, gradient norm clipped at 1.
#pragma once

#include <random>
#include <utility>

#include "framework/ops/nn.hpp"
#include "framework/ops/shape.hpp"
#include "framework/optim/adam.hpp"
#include "framework/optim/clip.hpp"
#include "layers/linear.hpp"
#include "models/tasks/adding.hpp"

namespace unroll::lab {

struct AddingTraining {
  std::size_t length, steps, batch;  // the task's T, training steps, sequences per step
  double lr = 3e-3;
  std::size_t test_batch = 256;  // the test MSE's sequences, never trained on
};

// One adding batch of `rows` × `length` as [rows, length, H] float64 inputs and [rows, 1]
// targets, the distractors drawn from `rng`.
inline std::pair<Array<double>, Array<double>> adding_with_distractors(const tasks::Adding& task,
                                                                       std::size_t rows,
                                                                       std::uint64_t index,
                                                                       std::size_t hidden,
                                                                       std::mt19937_64& rng) {
  const tasks::SequenceBatch b = task.batch(rows, index);
  std::normal_distribution<double> normal(0.0, 1.0);
  Array<double> x = Array<double>::from_shape({rows, task.length(), hidden});
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t t = 0; t < task.length(); ++t)
      for (std::size_t j = 0; j < hidden; ++j)
        x(i, t, j) = j < 2 ? static_cast<double>(b.inputs(i, t, j)) : normal(rng);
  Array<double> y = Array<double>::from_shape({rows, std::size_t{1}});
  for (std::size_t i = 0; i < rows; ++i) y(i, 0) = b.targets(i, 0);
  return {std::move(x), std::move(y)};
}

// Trains `layer` (a Recurrent<…, double> of F = H inputs) as above; returns the test MSE before
// and after (the baseline of always predicting 1: 0.167).
template <class Layer>
std::pair<double, double> train_on_adding(Layer& layer, const AddingTraining& how,
                                          std::uint64_t seed) {
  const std::size_t hidden = layer.options().hidden_size();
  Linear<double> head(hidden, 1, seed);
  NamedParameters<double> parameters = layer.named_parameters();
  for (auto& p : head.named_parameters()) parameters.emplace_back("head." + p.first, p.second);
  std::vector<Var<double>> weights;
  for (auto& p : parameters) weights.push_back(p.second);
  Adam<double> adam(parameters, AdamOptions().lr(how.lr));
  std::mt19937_64 rng(seed * 104729 + 3);
  auto loss_of = [&](const std::pair<Array<double>, Array<double>>& batch) {
    const auto out = layer.forward(Var<double>(batch.first));
    return mse(head.forward(out.final_states[0][0]), Var<double>(batch.second));
  };
  const auto test =
      adding_with_distractors(tasks::Adding(how.length, seed + 1), how.test_batch, 0, hidden, rng);
  auto test_mse = [&] {
    NoGrad no_grad;
    const double v = loss_of(test).item();
    tape<double>().reset();
    return v;
  };
  const double before = test_mse();
  const tasks::Adding task(how.length, seed);
  for (std::size_t step = 0; step < how.steps; ++step) {
    Var<double> loss = loss_of(adding_with_distractors(task, how.batch, step, hidden, rng));
    adam.zero_grad();
    loss.backward();
    clip_grad_norm(weights, 1.0);
    loss = Var<double>();
    tape<double>().reset();
    adam.step();
  }
  return {before, test_mse()};
}

}  // namespace unroll::lab
