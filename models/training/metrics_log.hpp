// The metrics CSV of a training run, one row per step, flushed as written:
//   step,elapsed_s,train_loss,val_loss,grad_norm,lr,tokens_per_s[,skipped][,allreduce_s]
//   [,<task metrics>]
// skipped (the steps skipped as non-finite so far) only when the trainer skips them;
// allreduce_s (the step's wall time spent averaging gradients over the ranks) only on several.
// val_loss (and the task's metrics) are the latest validation's, empty before the first.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "models/training/task.hpp"

namespace unroll::training {

struct MetricsRow {
  std::int64_t step = 0;
  double elapsed_s = 0;
  double train_loss = 0;
  const Validation* validation = nullptr;  // the latest, if any
  double grad_norm = 0;
  double lr = 0;
  double tokens_per_s = 0;
  std::int64_t skipped = 0;
  double allreduce_s = 0;
};

class MetricsLog {
 public:
  // No file when `path` is empty. `append` continues an existing non-empty file (a resumed run)
  // without a second header. ValueError when the file cannot be written.
  MetricsLog(const std::string& path, bool skipped_column, bool allreduce_column,
             std::vector<std::string> metric_names, bool append);
  void write(const MetricsRow& row);

 private:
  std::ofstream file_;
  bool skipped_column_, allreduce_column_;
  std::size_t metrics_;
};

}  // namespace unroll::training
