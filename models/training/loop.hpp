// The training loop around a Trainer: budgets (steps, wall time), validation every N steps,
// keep-best, the metrics CSV, the status line, Ctrl-C. It ends by saving the checkpoint and its
// training state, and printing one summary line:
//   [interrupted: ]saved CKPT after N steps[, K skipped as non-finite] (T s)
// A NonFiniteError from a step ends it early and propagates: nothing is saved then, so the
// checkpoint on disk stays the last good one.
// On several ranks (a task that shards), every rank runs the loop: they agree after every step
// on stopping (rank 0's clock, a SIGINT delivered to any), validate together, and only rank 0
// writes the log, the status line, the reports, the checkpoints and the summary.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <string>

#include "framework/thread_tuner.hpp"
#include "models/training/trainer.hpp"

namespace unroll::training {

struct LoopOptions {
  std::string checkpoint;  // saved at the end, with its training state (required)
  std::int64_t max_steps = std::numeric_limits<std::int64_t>::max();  // of steps_done()
  double max_seconds = 0;                                             // 0: no time budget
  std::int64_t eval_every = 250;  // validate every N steps, and after the last
  std::string log;                // metrics CSV (metrics_log.hpp); empty: none
  // Keep the checkpoint of the lowest validation loss as best_checkpoint_path(checkpoint).
  bool keep_best = false;
  std::int64_t piped_report_every = 50;  // status lines when the output is not a terminal
  // Every report_every steps (0: never), what report(step) returns is printed (a sample, say).
  std::int64_t report_every = 0;
  std::function<std::string(std::int64_t step)> report;
  std::FILE* out = stdout;
  // Chooses the compute threads step by step (--threads auto), shown in the status line; null:
  // the threads stay as set.
  ThreadTuner* threads = nullptr;
};

struct LoopResult {
  std::int64_t steps = 0;  // steps_done() at the end
  std::int64_t skipped = 0;
  double seconds = 0;
  bool interrupted = false;
  std::optional<double> last_validation;
};

// Trains until a budget is spent or SIGINT arrives. A resumed trainer (steps_done() > 0)
// appends to an existing log. ValueError for keep_best without validation, a missing checkpoint
// path or eval_every < 1.
LoopResult run_training(Trainer& trainer, const LoopOptions& options);

}  // namespace unroll::training
