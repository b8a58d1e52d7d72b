// classify's training task: every step draws `batch` snippets from the training files (each of a
// class drawn uniformly) with a generator seeded by (seed, step) — so a resumed run draws what an
// uninterrupted one would, with no generator state to save — and scores their mean
// cross-entropy. One step's batch is of length T = 32k, k uniform in 1…8, its snippets'
// lengths uniform in [max(16, T − 31), T] (shorter only from a shorter file): padding to T then
// wastes at most 31 steps a row, not the ~120 of independent lengths padded to the longest, and
// only 8 shapes recur. Validation: loss and accuracy on a fixed set of held-out snippets.
#pragma once

#include <cstdint>
#include <vector>

#include "models/classifier/classifier.hpp"
#include "models/classifier/text_classes.hpp"
#include "models/training/data_parallel.hpp"
#include "models/training/task.hpp"

namespace unroll::classifier {

struct TaskOptions {
  std::size_t batch = 32;
  std::uint64_t seed = 1;
};

class ClassifierTask : public training::Task {
 public:
  // `train` one entry per class of config; validation on `validation` when it is not empty.
  // ValueError when the classes of `train` are not the model's.
  ClassifierTask(Classifier<float>& model, std::vector<ClassText> train,
                 std::vector<Snippet> validation, const TaskOptions& options,
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
  // Loss and {accuracy}.
  training::Validation validate() override;
  std::vector<std::string> metric_names() const override { return {"val_accuracy"}; }
  std::string describe(const training::Validation& validation) const override;
  std::map<std::string, std::string> checkpoint_metadata() const override;
  std::string state_kind() const override { return "classify-training-state"; }
  void save_state(io::SafetensorsFile& state) const override;
  void load_state(const io::SafetensorsFile& state, const std::string& path) override;

 private:
  Classifier<float>& model_;
  std::vector<ClassText> train_;
  std::vector<Snippet> validation_;
  TaskOptions options_;
  distributed::Communicator& ranks_;
  training::BatchShare share_;
};

}  // namespace unroll::classifier
