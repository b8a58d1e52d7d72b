// caption's training task: step s trains on scenes s·B … s·B + B − 1 of the training split
// (tasks::make_scene with the run's seed) — a resumed run draws what an uninterrupted one would,
// with no generator state to save — and scores their teacher-forced masked cross-entropy.
// Validation: loss and greedy exact-caption accuracy on fixed scenes of seen combinations drawn
// with another seed.
#pragma once

#include <cstdint>
#include <vector>

#include "models/captioner/captioner.hpp"
#include "models/tasks/scenes.hpp"
#include "models/training/data_parallel.hpp"
#include "models/training/task.hpp"

namespace unroll::captioner {

struct TaskOptions {
  std::size_t batch = 64;
  std::uint64_t seed = 1;
};

class CaptionTask : public training::Task {
 public:
  // ValueError for batch 0.
  CaptionTask(Captioner<float>& model, std::vector<tasks::Scene> validation,
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
  // Loss and {exact-caption accuracy}.
  training::Validation validate() override;
  std::vector<std::string> metric_names() const override { return {"val_exact"}; }
  std::string describe(const training::Validation& validation) const override;
  std::map<std::string, std::string> checkpoint_metadata() const override;
  std::string state_kind() const override { return "caption-training-state"; }
  void save_state(io::SafetensorsFile& state) const override;
  void load_state(const io::SafetensorsFile& state, const std::string& path) override;

 private:
  Captioner<float>& model_;
  std::vector<tasks::Scene> validation_;
  TaskOptions options_;
  distributed::Communicator& ranks_;
  training::BatchShare share_;
};

}  // namespace unroll::captioner
