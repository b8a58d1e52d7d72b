#include "models/char_lm/trainer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "framework/distributed/fingerprint.hpp"
#include "models/char_lm/evaluate.hpp"
#include "models/training/data_parallel.hpp"
#include "models/training/training_state.hpp"

namespace unroll {
namespace {

std::string windows_name(bool random_windows) { return random_windows ? "random" : "stream"; }

std::string carried_name(std::size_t layer, std::size_t part) {
  return fmt::format("carry.l{}.p{}", layer, part);
}

}  // namespace

void TrainOptions::validate() const {
  if (seq == 0) throw ValueError("sequence length must be at least 1");
  if (batch == 0) throw ValueError("batch size must be at least 1");
}

CharLMTask::CharLMTask(CharLM<float>& model, std::vector<std::int64_t> train_ids,
                       std::vector<std::int64_t> validation_ids, const TrainOptions& options,
                       distributed::Communicator& ranks)
    : model_(model),
      options_((options.validate(), options)),
      ranks_(ranks),
      training_fingerprint_(distributed::fingerprint_of(std::span<const std::int64_t>(train_ids))),
      batches_(std::move(train_ids), options.batch, options.seq, options.random_offsets,
               options.seed),
      validation_(std::move(validation_ids)) {
  share_ = training::batch_share(options_.batch, ranks_);  // refuses a batch they do not divide
}

std::vector<distributed::Fingerprint> CharLMTask::fingerprints() const {
  const auto& o = options_;
  return {
      {"model configuration", training::fingerprint_metadata(model_.config().to_metadata())},
      {"training data", training_fingerprint_},
      {"validation data", distributed::fingerprint_of(std::span<const std::int64_t>(validation_))},
      {"batch, window and seed settings",
       distributed::fingerprint(fmt::format("batch {} seq {} seed {} offsets {} windows {}",
                                            o.batch, o.seq, o.seed, o.random_offsets,
                                            windows_name(o.random_windows)))}};
}

Var<float> CharLMTask::loss(std::int64_t step) {
  if (options_.random_windows)
    batches_.random_windows(static_cast<std::uint64_t>(step), batch_);
  else
    batches_.next(batch_);
  if (batch_.starts_epoch) carried_.clear();  // every stream starts over
  const bool sharded = ranks_.size() > 1;
  if (sharded) {
    shard_.inputs = training::rows_of(batch_.inputs, offset(), rows());
    shard_.targets = training::rows_of(batch_.targets, offset(), rows());
  }
  const Batch& mine = sharded ? shard_ : batch_;
  model_.train();
  ForwardOptions how;
  if (sharded) how.batch = {0, offset(), options_.batch};
  out_ = model_.forward(mine.inputs, carried_, how);
  return model_.loss(out_.output, mine.targets);
}

void CharLMTask::finish_step(bool applied) {
  carried_.clear();
  if (applied)
    for (auto& state : out_.final_states) {
      State<float> detached;
      for (auto& part : state) detached.push_back(detach(part));
      carried_.push_back(std::move(detached));
    }
  out_ = SequenceOutput<float>();
}

training::Validation CharLMTask::validate() {
  if (ranks_.size() == 1) return {evaluate(model_, validation_, options_.seq).loss_nats, {}};
  // Rank r scores windows [r·n/N, (r+1)·n/N) of the n; Σ loss × characters and Σ characters
  // are summed over the ranks.
  const std::size_t seq = options_.seq, windows = (validation_.size() - 1) / seq;
  const auto share = [&](int rank) {
    return windows * static_cast<std::size_t>(rank) / static_cast<std::size_t>(ranks_.size());
  };
  const std::size_t first = share(ranks_.rank()), last = share(ranks_.rank() + 1);
  double sums[2] = {0, 0};
  if (last > first) {
    const std::vector<std::int64_t> mine(validation_.begin() + first * seq,
                                         validation_.begin() + last * seq + 1);
    const Evaluation e = evaluate(model_, mine, seq);
    sums[0] = e.loss_nats * static_cast<double>(e.chars);
    sums[1] = static_cast<double>(e.chars);
  }
  ranks_.allreduce_sum(sums);
  return {sums[0] / sums[1], {}};
}

std::string CharLMTask::describe(const training::Validation& validation) const {
  return fmt::format("{:.4f} ({:.3f} bpc)", validation.loss, validation.loss / std::log(2.0));
}

std::map<std::string, std::string> CharLMTask::checkpoint_metadata() const {
  return model_.config().to_metadata();
}

void CharLMTask::save_state(io::SafetensorsFile& state) const {
  // Every rank's rows of each carried state [B/N, …] (the same layers and parts on every rank),
  // gathered into [B, …] by a sum of zero-padded arrays: exact, each element being one rank's
  // value plus zeros.
  for (std::size_t l = 0; l < carried_.size(); ++l)
    for (std::size_t p = 0; p < carried_[l].size(); ++p) {
      const Array<float>& mine = carried_[l][p].value();
      if (ranks_.size() == 1) {
        state.add(carried_name(l, p), mine);
        continue;
      }
      Shape shape(mine.shape().begin(), mine.shape().end());
      shape[0] = options_.batch;
      Array<float> all = Array<float>::from_shape(shape);
      std::fill(all.begin(), all.end(), 0.0f);
      std::copy_n(mine.data(), mine.size(), all.data() + offset() * (mine.size() / rows()));
      ranks_.allreduce_sum(std::span<float>(all.data(), all.size()));
      state.add(carried_name(l, p), all);
    }
  std::ostringstream rng;
  rng << model_.dropout_rng();
  const auto position = batches_.position();
  state.metadata.insert({{"epoch", std::to_string(position.epoch)},
                         {"window", std::to_string(position.window)},
                         {"batch", std::to_string(options_.batch)},
                         {"seq", std::to_string(options_.seq)},
                         {"windows", windows_name(options_.random_windows)},
                         {"dropout_rng", rng.str()}});
}

void CharLMTask::load_state(const io::SafetensorsFile& state, const std::string& path) {
  using training::read_count, training::require_setting;
  require_setting(state, path, "batch", std::to_string(options_.batch));
  require_setting(state, path, "seq", std::to_string(options_.seq));
  // States written before --windows existed were all stream-mode.
  require_setting(state, path, "windows", windows_name(options_.random_windows), "stream");
  batches_.seek({read_count(state, "epoch", path), read_count(state, "window", path)});
  carried_.clear();
  for (std::size_t l = 0; state.tensors.count(carried_name(l, 0)); ++l) {
    State<float> s;
    for (std::size_t p = 0; state.tensors.count(carried_name(l, p)); ++p) {
      const Array<float> all = state.at(carried_name(l, p)).as<float>();
      if (all.dimension() == 0 || all.shape()[0] != options_.batch)
        throw ShapeError(fmt::format("training state '{}': {} is {}, not [{}, …]", path,
                                     carried_name(l, p), shape_str(all.shape()), options_.batch));
      s.emplace_back(ranks_.size() == 1 ? all : training::rows_of(all, offset(), rows()));
    }
    carried_.push_back(std::move(s));
  }
  const auto& m = state.metadata;
  std::istringstream rng(m.count("dropout_rng") ? m.at("dropout_rng") : "");
  rng >> model_.dropout_rng();
  if (!rng) throw ValueError(fmt::format("training state '{}': dropout_rng is malformed", path));
}

CharLMTrainer::CharLMTrainer(CharLM<float>& model, std::vector<std::int64_t> train_ids,
                             const TrainOptions& options, std::vector<std::int64_t> validation_ids)
    : task_(model, std::move(train_ids), std::move(validation_ids), options),
      trainer_(task_, options.trainer) {}

}  // namespace unroll
