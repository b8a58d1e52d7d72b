// The long-range experiment's training: a LongRangeModel on the adding problem or copy memory at
// one length T, trained until it solves the task or its step budget is spent; and the gradient
// the task's loss sends back to every step's state.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lab/experiment.hpp"
#include "lab/experiments/long_range_model.hpp"

namespace unroll::lab {

// What "solved" means, and what training may spend on one length.
struct SolveBudget {
  std::size_t max_steps = 1000, eval_every = 50;  // test every eval_every steps; stop once solved
  std::size_t batch = 32, test_batch = 256;
  double lr = 1e-2, clip_norm = 1.0;  // Adam; gradient norm clipped
};
// adding: test MSE below this fraction of the baseline 1/6 (always predicting 1);
// copy: accuracy on the ten recalled symbols at least this (chance: 1/8).
double adding_threshold();  // 0.05: MSE < 0.05 · 0.167 ≈ 0.0083
double copy_threshold();    // 0.9

struct SolveResult {
  bool solved = false;
  bool diverged = false;  // a step's loss or gradient norm was not finite
  std::size_t steps = 0;  // training steps taken
  double metric = 0;      // the last test: MSE (adding) or recall accuracy (copy)
  bool stopped = false;   // Ctrl-C: cut short
};

// task: adding | copy; T: the adding problem's length or copy memory's delay (T + 20 steps).
// Seeded by `seed` (the model's weights, the batches; the test batch is another seed's).
SolveResult train_to_solve(const LongRangeSpec& spec, const std::string& task, std::size_t T,
                           const SolveBudget& budget, std::uint64_t seed,
                           const std::function<bool()>& stopped,
                           const std::function<void(std::size_t step, double metric)>& progress);

// ‖∂L/∂h_t‖ of the bottom layer's state at every step t of the untrained model on one adding
// batch of length T (L the batch's MSE), as the batch mean of each row's norm; index d is the
// distance T − 1 − t.
std::vector<double> adding_state_gradients(const LongRangeSpec& spec, std::size_t T,
                                           std::size_t batch, std::uint64_t seed);

}  // namespace unroll::lab
