// Trainer: one training step of any Task — its batch's loss, backward, clipping, the schedule's
// rate, the optimizer — and the training state around it (saved beside the checkpoint, so a
// resumed run continues bit for bit). A non-finite loss or gradient norm is never applied to the
// weights: the step stops training (NonFiniteError) or, with NonFinite::Skip, is skipped and
// counted.
//
// On several ranks (Task::shards_batch), each step's gradients and loss are averaged over the
// ranks before clipping (so the clip sees the global norm, the same on every rank) and every rank
// applies the same update; only rank 0 writes files.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "framework/distributed/gradient_averager.hpp"
#include "framework/errors.hpp"
#include "framework/optim/optimizer.hpp"
#include "models/training/lr_schedule.hpp"
#include "models/training/task.hpp"

namespace unroll::training {

enum class NonFinite { Stop, Skip };

struct TrainerOptions {
  std::string optimizer = "adam";  // adam | sgd | adagrad | rmsprop
  double lr = 2e-3;
  double clip_norm = 5.0;   // 0: off
  double clip_value = 0.0;  // 0: off
  ScheduleOptions schedule;
  NonFinite nonfinite = NonFinite::Stop;
  // ValueError naming the setting for a negative rate or clip, an unknown optimizer or schedule.
  void validate() const;
};

struct StepResult {
  double loss = 0;         // the task's loss on the batch
  double grad_norm = 0;    // total L2 norm before clipping
  double lr = 0;           // the rate this step used
  bool applied = true;     // false: skipped as non-finite
  double allreduce_s = 0;  // wall time spent averaging the gradients over the ranks
};

// A step whose loss or gradient norm is not finite, under NonFinite::Stop: nothing was applied.
struct NonFiniteError : ValueError {
  using ValueError::ValueError;
};

// The optimizer `name` (adam | sgd | adagrad | rmsprop, PyTorch defaults otherwise; RMSprop with
// char-rnn's decay 0.95) over `parameters` at learning rate `lr`.
std::unique_ptr<Optimizer<float>> make_optimizer(const std::string& name,
                                                 const NamedParameters<float>& parameters,
                                                 double lr);

class Trainer {
 public:
  // `task` must outlive the trainer. On more than one rank: CollectiveError when the task does
  // not shard, or when the ranks disagree on the task's fingerprints, the options or the
  // weights.
  Trainer(Task& task, const TrainerOptions& options);

  // One step: the schedule's rate, the task's loss, backward, the task's finish_step, clipping,
  // the update. NonFiniteError (weights, moments and step count untouched) for a non-finite
  // loss or gradient norm under NonFinite::Stop; skipped and counted under Skip.
  StepResult step();
  // Steps taken, the skipped ones included (the optimizer's count excludes them).
  std::int64_t steps_done() const { return steps_; }
  std::int64_t skipped() const { return skipped_; }
  Task& task() { return task_; }
  Optimizer<float>& optimizer() { return *optimizer_; }
  const TrainerOptions& options() const { return options_; }

  // Records a validation loss; true when it is the lowest so far. A plateau schedule observes
  // only `on_cadence` ones (every N steps), so where a run is split does not change its rates.
  bool record_validation(double loss, bool on_cadence);
  std::optional<double> best_validation() const { return best_; }

  // The task's weights and checkpoint metadata (and "step" and "unroll_version", the writer's
  // version) to `checkpoint`, the training state beside it (training_state_path), both
  // atomically, the state first. Loading never requires "unroll_version" (older files lack it).
  // Collective (the task's state may be gathered from every rank); rank 0 writes.
  void save(const std::string& checkpoint) const;
  // The weights alone, with save's metadata and "val_loss", atomically (on rank 0; others do
  // nothing).
  void save_best(const std::string& path, double val_loss) const;
  // Restores the training state saved beside `checkpoint` (the weights are the model's
  // already). ValueError when it is missing, of another kind, for another step, or made with
  // other settings (optimizer, schedule, or the task's); on several ranks, CollectiveError
  // when they did not all read the same state.
  void load_state(const std::string& checkpoint);

 private:
  // On several ranks: CollectiveError unless the task shards and every rank holds the same
  // fingerprints, options and weights.
  void check_ranks() const;
  // The task's checkpoint metadata, "step" and "unroll_version".
  std::map<std::string, std::string> weights_metadata() const;

  Task& task_;
  TrainerOptions options_;
  std::unique_ptr<Optimizer<float>> optimizer_;
  LrSchedule schedule_;
  std::vector<Var<float>> parameters_;  // the model's, listed once (clipped every step)
  distributed::GradientAverager averager_;
  std::int64_t steps_ = 0, skipped_ = 0;
  std::optional<double> best_;
};

}  // namespace unroll::training
