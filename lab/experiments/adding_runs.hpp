// What the clipping and tbptt experiments share: a one-layer recurrent net (a tanh RNN or an
// LSTM, a linear head on its last state) trained by the generic Trainer on the adding problem
// (models/tasks/adding), with rows of its loss and gradient norm.
#pragma once

#include <string>
#include <vector>

#include "lab/experiment.hpp"
#include "models/training/trainer.hpp"

namespace unroll::lab {

struct AddingRun {
  std::string cell = "rnn";                                        // rnn | lstm
  std::size_t hidden = 32, length = 100, batch = 32, steps = 500;  // length: T
  // rnn: W_hh orthogonal × rho (its spectral radius exactly rho); 0: PyTorch's U(±1/√H).
  double rho = 0;
  // Truncated BPTT: the gradient flows back through the last `window` steps only (0: all T).
  std::size_t window = 0;
  std::size_t log_every = 10;          // a row every so many steps (after the first ones)
  std::size_t validation_batch = 256;  // sequences of the fixed validation batch
  training::TrainerOptions trainer;    // optimizer, rate, clipping
};

// Trains `run`, its weights and batches seeded by context.seed. A row after each of the first
// log_every steps (where an explosion happens), then every log_every steps: step; train_loss,
// the mean batch loss of the steps since the last row; grad_norm, the largest gradient norm
// before clipping among them; val_loss on a fixed batch that no training step sees; diverged.
// A step whose loss or gradient norm is not finite ends training (it is not applied): from the
// row that covers it on, diverged is 1 — that row's train_loss and grad_norm are still those of
// the steps before it, its val_loss nan — and every later row holds nan, so every run has
// log_every − 1 + steps / log_every rows.
std::vector<Row> train_adding(const AddingRun& run, const RunContext& context);

}  // namespace unroll::lab
