#include "models/char_lm/trainer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "models/char_lm/evaluate.hpp"
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
                       std::vector<std::int64_t> validation_ids, const TrainOptions& options)
    : model_(model),
      options_((options.validate(), options)),
      batches_(std::move(train_ids), options.batch, options.seq, options.random_offsets,
               options.seed),
      validation_(std::move(validation_ids)) {}

Var<float> CharLMTask::loss(std::int64_t step) {
  if (options_.random_windows)
    batches_.random_windows(static_cast<std::uint64_t>(step), batch_);
  else
    batches_.next(batch_);
  if (batch_.starts_epoch) carried_.clear();  // every stream starts over
  model_.train();
  out_ = model_.forward(batch_.inputs, carried_);
  return model_.loss(out_.output, batch_.targets);
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
  return {evaluate(model_, validation_, options_.seq).loss_nats, {}};
}

std::string CharLMTask::describe(const training::Validation& validation) const {
  return fmt::format("{:.4f} ({:.3f} bpc)", validation.loss, validation.loss / std::log(2.0));
}

std::map<std::string, std::string> CharLMTask::checkpoint_metadata() const {
  return model_.config().to_metadata();
}

void CharLMTask::save_state(io::SafetensorsFile& state) const {
  for (std::size_t l = 0; l < carried_.size(); ++l)
    for (std::size_t p = 0; p < carried_[l].size(); ++p)
      state.add(carried_name(l, p), carried_[l][p].value());
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
    for (std::size_t p = 0; state.tensors.count(carried_name(l, p)); ++p)
      s.emplace_back(state.at(carried_name(l, p)).as<float>());
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
