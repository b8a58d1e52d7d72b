#include "models/translator/task.hpp"

#include <fmt/format.h>

#include "framework/ops/nn.hpp"
#include "models/training/training_state.hpp"
#include "models/translator/evaluate.hpp"

namespace unroll::translator {

TranslateTask::TranslateTask(Translator<float>& model, std::vector<tasks::DatePair> validation,
                             const TaskOptions& options, distributed::Communicator& ranks)
    : model_(model), validation_(std::move(validation)), options_(options), ranks_(ranks) {
  if (options_.batch == 0) throw ValueError("batch size must be at least 1");
  share_ = training::batch_share(options_.batch, ranks_);
}

Var<float> TranslateTask::loss(std::int64_t step) {
  std::vector<tasks::DatePair> pairs;
  // Pair k of the run is a function of (seed, k): this rank makes its rows alone. Every target
  // counts (no padding): equal shares of the mean.
  for (std::size_t b = share_.first; b < share_.first + share_.count; ++b)
    pairs.push_back(
        training_pair(options_.seed, static_cast<std::uint64_t>(step) * options_.batch + b));
  const DateBatch batch = make_batch(pairs, model_.config());
  model_.train();
  const auto encoded = model_.encode(batch.source, batch.lengths);
  return cross_entropy(model_.decode(encoded, batch.inputs), batch.targets);
}

std::vector<distributed::Fingerprint> TranslateTask::fingerprints() const {
  std::string held_out;
  for (const auto& p : validation_) held_out += p.human + '\t' + p.iso + '\n';
  return {{"model configuration", training::fingerprint_metadata(model_.config().to_metadata())},
          {"validation data", distributed::fingerprint(held_out)},
          {"batch and seed settings", distributed::fingerprint(fmt::format(
                                          "batch {} seed {}", options_.batch, options_.seed))}};
}

training::Validation TranslateTask::validate() {
  const Evaluation e = evaluate(model_, validation_);
  return {e.loss, {e.accuracy()}};
}

std::string TranslateTask::describe(const training::Validation& v) const {
  return fmt::format("{:.4f} (exact {:.1f} %)", v.loss, 100.0 * v.metrics.at(0));
}

std::map<std::string, std::string> TranslateTask::checkpoint_metadata() const {
  auto metadata = model_.config().to_metadata();
  metadata["seed"] = std::to_string(options_.seed);  // the held-out days eval uses
  return metadata;
}

void TranslateTask::save_state(io::SafetensorsFile& state) const {
  state.metadata.insert(
      {{"batch", std::to_string(options_.batch)}, {"seed", std::to_string(options_.seed)}});
}

void TranslateTask::load_state(const io::SafetensorsFile& state, const std::string& path) {
  training::require_setting(state, path, "batch", std::to_string(options_.batch));
  training::require_setting(state, path, "seed", std::to_string(options_.seed));
}

}  // namespace unroll::translator
