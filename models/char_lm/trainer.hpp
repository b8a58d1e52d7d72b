// Training a CharLM with truncated BPTT, as char-rnn does: each step takes the next window of
// every stream, starts from the (detached) states the previous window ended with, computes the
// mean cross-entropy, backpropagates, clips and updates. The whole training state — weights,
// optimizer moments, step, data position, carried states, dropout RNG — can be saved and
// restored, so a resumed run continues exactly as an uninterrupted one.
#pragma once

#include <memory>
#include <string>

#include "framework/optim/optimizer.hpp"
#include "models/char_lm/char_lm.hpp"
#include "models/text/batches.hpp"

namespace unroll {

struct TrainOptions {
  std::size_t seq = 64;
  std::size_t batch = 32;
  std::string optimizer = "adam";  // adam | sgd | adagrad | rmsprop
  double lr = 2e-3;
  double clip_norm = 5.0;   // 0: off
  double clip_value = 0.0;  // 0: off
  std::uint64_t seed = 1;
  bool random_offsets = false;
  // Each step: B windows at random positions, each from a zero state (instead of B streams whose
  // states carry over from window to window, char-rnn style).
  bool random_windows = false;
  // ValueError naming the option for a zero size, a negative rate or clip, an unknown optimizer.
  void validate() const;
};

struct StepResult {
  double loss = 0;       // mean cross-entropy of the window, nats per character
  double grad_norm = 0;  // total L2 norm before clipping
};

// The optimizer `name` (adam | sgd | adagrad | rmsprop, PyTorch defaults otherwise; RMSprop with
// char-rnn's decay 0.95) over `parameters` at learning rate `lr`.
std::unique_ptr<Optimizer<float>> make_optimizer(const std::string& name,
                                                 const NamedParameters<float>& parameters,
                                                 double lr);

class Trainer {
 public:
  Trainer(CharLM<float>& model, std::vector<std::int64_t> train_ids, const TrainOptions& options);

  StepResult step();
  std::int64_t steps_done() const { return optimizer_->steps(); }
  std::size_t tokens_per_step() const { return options_.batch * options_.seq; }
  std::size_t windows_per_epoch() const { return batches_.windows_per_epoch(); }
  Optimizer<float>& optimizer() { return *optimizer_; }

  // The model's weights and metadata to `checkpoint`, the training state beside it
  // (training_state_path), both atomically.
  void save(const std::string& checkpoint) const;
  // Restores the training state saved beside `checkpoint` (the weights are the model's already).
  // ValueError when it is missing, belongs to another step, or does not fit the model.
  void load_state(const std::string& checkpoint);

 private:
  CharLM<float>& model_;
  TrainOptions options_;
  StreamBatcher batches_;
  std::unique_ptr<Optimizer<float>> optimizer_;
  std::vector<Var<float>> parameters_;  // the model's, listed once (clipped every step)
  StateList<float> carried_;            // detached final states of the previous window
  Batch batch_;                         // the current window, refilled in place every step
};

// "run.safetensors" → "run.train.safetensors": where the training state of a checkpoint lives.
std::string training_state_path(const std::string& checkpoint);

}  // namespace unroll
