#include "models/training/metrics_log.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "framework/errors.hpp"

namespace unroll::training {

MetricsLog::MetricsLog(const std::string& path, bool skipped_column, bool allreduce_column,
                       std::vector<std::string> metric_names, bool append)
    : skipped_column_(skipped_column),
      allreduce_column_(allreduce_column),
      metrics_(metric_names.size()) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  append = append && fs::exists(path) && fs::file_size(path) > 0;
  file_.open(path, append ? std::ios::app : std::ios::trunc);
  if (!file_) throw ValueError(fmt::format("cannot write the log '{}'", path));
  if (append) return;
  file_ << "step,elapsed_s,train_loss,val_loss,grad_norm,lr,tokens_per_s";
  if (skipped_column_) file_ << ",skipped";
  if (allreduce_column_) file_ << ",allreduce_s";
  for (const auto& name : metric_names) file_ << ',' << name;
  file_ << '\n';
}

void MetricsLog::write(const MetricsRow& row) {
  if (!file_.is_open()) return;
  const Validation* v = row.validation;
  file_ << fmt::format("{},{:.3f},{:.5f},{},{:.5f},{:g},{:.1f}", row.step, row.elapsed_s,
                       row.train_loss, v ? fmt::format("{:.5f}", v->loss) : std::string(),
                       row.grad_norm, row.lr, row.tokens_per_s);
  if (skipped_column_) file_ << ',' << row.skipped;
  if (allreduce_column_) file_ << fmt::format(",{:.6f}", row.allreduce_s);
  for (std::size_t i = 0; i < metrics_; ++i)
    file_ << ',' << (v && i < v->metrics.size() ? fmt::format("{:.5f}", v->metrics[i]) : "");
  file_ << '\n' << std::flush;
}

}  // namespace unroll::training
