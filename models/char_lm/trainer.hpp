// charlm's training task: truncated BPTT as char-rnn does it. Each step takes the next window of
// every stream, starts from the (detached) states the previous window ended with, and scores
// the mean cross-entropy; validation is evaluate()'s loss in nats per character. Its part of the
// training state — data position, carried states, dropout RNG — is saved beside the checkpoint
// with the generic Trainer's (models/training), so a resumed run continues exactly.
//
// Data-parallel (`mpirun -np N`): options.batch is the global batch B, which N must divide. Rank r
// trains rows [r·B/N, (r+1)·B/N) of every window (streams, or random windows) and carries their
// states; dropout applies those rows of the masks the whole batch draws from the one shared
// stream (ForwardOptions::batch), so the dropout generator is the same on every rank and N ranks
// train the weights one process would. Validation windows are shared out the same way and the
// losses summed. The saved state gathers every rank's carried rows: it is one process's state,
// and resumes on any N that divides B.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/char_lm/char_lm.hpp"
#include "models/text/batches.hpp"
#include "models/training/data_parallel.hpp"
#include "models/training/trainer.hpp"

namespace unroll {

struct TrainOptions {
  std::size_t seq = 64;
  std::size_t batch = 32;
  std::uint64_t seed = 1;
  bool random_offsets = false;
  // Each step: B windows at random positions, each from a zero state (instead of B streams whose
  // states carry over from window to window, char-rnn style).
  bool random_windows = false;
  training::TrainerOptions trainer;  // optimizer, rate, clipping, schedule, non-finite steps
  // ValueError naming the option for a zero size (the Trainer checks `trainer`).
  void validate() const;
};

class CharLMTask : public training::Task {
 public:
  // Validation on `validation_ids` when it holds more than options.seq ids. CollectiveError when
  // the ranks of `ranks` do not divide options.batch.
  CharLMTask(CharLM<float>& model, std::vector<std::int64_t> train_ids,
             std::vector<std::int64_t> validation_ids, const TrainOptions& options,
             distributed::Communicator& ranks = distributed::Communicator::world());

  Module<float>& model() override { return model_; }
  Var<float> loss(std::int64_t step) override;
  // Carries the window's final states, detached — none after a skipped step.
  void finish_step(bool applied) override;
  std::size_t tokens_per_step() const override { return options_.batch * options_.seq; }
  bool shards_batch() const override { return true; }
  distributed::Communicator& communicator() const override { return ranks_; }
  std::vector<distributed::Fingerprint> fingerprints() const override;
  bool has_validation() const override { return validation_.size() > options_.seq; }
  training::Validation validate() override;
  std::string describe(const training::Validation& validation) const override;
  std::map<std::string, std::string> checkpoint_metadata() const override;
  std::string state_kind() const override { return "charlm-training-state"; }
  void save_state(io::SafetensorsFile& state) const override;
  void load_state(const io::SafetensorsFile& state, const std::string& path) override;

  std::size_t windows_per_epoch() const { return batches_.windows_per_epoch(); }

 private:
  // This rank's rows of the global batch: [offset, offset + rows).
  std::size_t rows() const { return share_.count; }
  std::size_t offset() const { return share_.first; }

  CharLM<float>& model_;
  TrainOptions options_;
  distributed::Communicator& ranks_;
  training::BatchShare share_;
  std::uint64_t training_fingerprint_;  // of the training ids (the batcher keeps them)
  StreamBatcher batches_;
  std::vector<std::int64_t> validation_;
  StateList<float> carried_;   // detached final states of the previous window (this rank's rows)
  Batch batch_;                // the current window, refilled in place every step
  Batch shard_;                // this rank's rows of it (on more than one rank)
  SequenceOutput<float> out_;  // the current window's forward pass, until finish_step
};

// A CharLMTask and the Trainer that steps it, as one object (charlm_bench and the tests step it
// directly; the charlm program runs it in training::run_training).
class CharLMTrainer {
 public:
  CharLMTrainer(CharLM<float>& model, std::vector<std::int64_t> train_ids,
                const TrainOptions& options, std::vector<std::int64_t> validation_ids = {});
  training::StepResult step() { return trainer_.step(); }
  CharLMTask& task() { return task_; }
  training::Trainer& trainer() { return trainer_; }

 private:
  CharLMTask task_;
  training::Trainer trainer_;
};
using Trainer = CharLMTrainer;

}  // namespace unroll
