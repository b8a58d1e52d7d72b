// What the generic trainer needs from a program: its model, the loss of its next training batch,
// its validation, and the part of the training state only it knows (data position, carried
// states, random generators). Everything else — optimizer, clipping, schedule, non-finite steps,
// checkpoints, budgets, logging — is the Trainer's and the loop's (trainer.hpp, loop.hpp).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "framework/distributed/communicator.hpp"
#include "framework/io/safetensors.hpp"
#include "framework/tape.hpp"
#include "layers/module.hpp"

namespace unroll::training {

struct Validation {
  double loss = 0;              // compared for keep-best and the plateau schedule
  std::vector<double> metrics;  // one per Task::metric_names(), in that order
};

class Task {
 public:
  virtual ~Task() = default;

  // The module whose parameters are trained and saved.
  virtual Module<float>& model() = 0;
  // The loss (a scalar recorded on the tape) of the next training batch, the model in training
  // mode; `step` is the number of steps taken before this one.
  virtual Var<float> loss(std::int64_t step) = 0;
  // After backward, before the tape is reset: keep (detached) what the next step needs and
  // release every other Var of this step. `applied` is false for a step skipped as non-finite.
  virtual void finish_step(bool applied) {}
  // Tokens (or examples) per step, for the throughput: of the global batch.
  virtual std::size_t tokens_per_step() const = 0;

  // Data parallelism (framework/distributed/). A task that shards takes, on each rank of
  // communicator(), an equal share of the global batch in loss() (so the mean of the ranks'
  // losses is the global batch's) and of the validation in validate() (reduced over the
  // ranks); save_state is then collective and load_state reads the same file on every rank.
  // The Trainer refuses to run a task that does not shard on more than one rank.
  virtual bool shards_batch() const { return false; }
  virtual distributed::Communicator& communicator() const {
    return distributed::Communicator::world();
  }
  // What every rank must hold alike (model configuration, vocabulary, data, settings): the
  // Trainer stops every rank with one error when they differ.
  virtual std::vector<distributed::Fingerprint> fingerprints() const { return {}; }

  virtual bool has_validation() const { return false; }
  // Called only when has_validation(); records nothing.
  virtual Validation validate() { return {}; }
  // Names of Validation::metrics: extra CSV columns.
  virtual std::vector<std::string> metric_names() const { return {}; }
  // A validation as the progress line shows it.
  virtual std::string describe(const Validation& validation) const;

  // The checkpoint's __metadata__ (the trainer adds "step").
  virtual std::map<std::string, std::string> checkpoint_metadata() const { return {}; }
  // The training state's "kind" ("charlm-training-state").
  virtual std::string state_kind() const = 0;
  // The task's part of the training state, and its restoration: ValueError (see
  // require_setting) when the state was made with settings this run does not share.
  virtual void save_state(io::SafetensorsFile& state) const {}
  virtual void load_state(const io::SafetensorsFile& state, const std::string& path) {}
};

}  // namespace unroll::training
