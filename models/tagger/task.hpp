// tag's training task: every step draws `batch` windows of `window` code points from the training
// files with a generator seeded by (seed, step) — so a resumed run draws what an uninterrupted
// one would, with no generator state to save — and scores the mean cross-entropy over their
// characters. Validation: loss and per-character accuracy on fixed held-out windows.
#pragma once

#include <cstdint>
#include <vector>

#include "models/tagger/data.hpp"
#include "models/tagger/tagger.hpp"
#include "models/training/data_parallel.hpp"
#include "models/training/task.hpp"

namespace unroll::tagger {

struct TaskOptions {
  std::size_t batch = 32;
  std::size_t window = 256;
  std::uint64_t seed = 1;
};

class TaggerTask : public training::Task {
 public:
  // Validation on `validation` when it is not empty. ValueError for a zero batch or window.
  TaggerTask(Tagger<float>& model, std::vector<TaggedText> train, WindowBatch validation,
             const TaskOptions& options,
             distributed::Communicator& ranks = distributed::Communicator::world());

  Module<float>& model() override { return model_; }
  Var<float> loss(std::int64_t step) override;
  std::size_t tokens_per_step() const override { return options_.batch * options_.window; }
  // Sharded over ranks: every rank draws the whole step's batch and trains its rows of it
  // (models/training/data_parallel.hpp); every rank validates on the whole set.
  bool shards_batch() const override { return true; }
  distributed::Communicator& communicator() const override { return ranks_; }
  std::vector<distributed::Fingerprint> fingerprints() const override;
  bool has_validation() const override { return !validation_.lengths.empty(); }
  // Loss and {per-character accuracy}.
  training::Validation validate() override;
  std::vector<std::string> metric_names() const override { return {"val_accuracy"}; }
  std::string describe(const training::Validation& validation) const override;
  std::map<std::string, std::string> checkpoint_metadata() const override;
  std::string state_kind() const override { return "tag-training-state"; }
  void save_state(io::SafetensorsFile& state) const override;
  void load_state(const io::SafetensorsFile& state, const std::string& path) override;

 private:
  Tagger<float>& model_;
  std::vector<TaggedText> train_;
  WindowBatch validation_;
  TaskOptions options_;
  distributed::Communicator& ranks_;
  training::BatchShare share_;
};

}  // namespace unroll::tagger
