// translate's training task: step s reads the `batch` pairs training_pair(seed, s·batch + b)
// (data.hpp) — a resumed run reads what an uninterrupted one would, with no generator state —
// and scores the teacher-forced decoder's mean cross-entropy over the 11 target symbols.
// Validation: loss and exact-match accuracy (greedy) on a fixed set of held-out days.
#pragma once

#include "models/training/data_parallel.hpp"
#include "models/training/task.hpp"
#include "models/translator/data.hpp"
#include "models/translator/translator.hpp"

namespace unroll::translator {

struct TaskOptions {
  std::size_t batch = 64;
  std::uint64_t seed = 1;
};

class TranslateTask : public training::Task {
 public:
  TranslateTask(Translator<float>& model, std::vector<tasks::DatePair> validation,
                const TaskOptions& options,
                distributed::Communicator& ranks = distributed::Communicator::world());

  Module<float>& model() override { return model_; }
  Var<float> loss(std::int64_t step) override;
  std::size_t tokens_per_step() const override { return options_.batch; }
  // Sharded over ranks: every rank draws the whole step's batch and trains its rows of it
  // (models/training/data_parallel.hpp); every rank validates on the whole set.
  bool shards_batch() const override { return true; }
  distributed::Communicator& communicator() const override { return ranks_; }
  std::vector<distributed::Fingerprint> fingerprints() const override;
  bool has_validation() const override { return !validation_.empty(); }
  training::Validation validate() override;  // loss and {exact-match accuracy}
  std::vector<std::string> metric_names() const override { return {"val_accuracy"}; }
  std::string describe(const training::Validation& validation) const override;
  std::map<std::string, std::string> checkpoint_metadata() const override;
  std::string state_kind() const override { return "translate-training-state"; }
  void save_state(io::SafetensorsFile& state) const override;
  void load_state(const io::SafetensorsFile& state, const std::string& path) override;

 private:
  Translator<float>& model_;
  std::vector<tasks::DatePair> validation_;
  TaskOptions options_;
  distributed::Communicator& ranks_;
  training::BatchShare share_;
};

}  // namespace unroll::translator
