#include "models/translator/task.hpp"

#include <fmt/format.h>

#include "framework/ops/nn.hpp"
#include "models/training/training_state.hpp"
#include "models/translator/evaluate.hpp"

namespace unroll::translator {

TranslateTask::TranslateTask(Translator<float>& model, std::vector<tasks::DatePair> validation,
                             const TaskOptions& options)
    : model_(model), validation_(std::move(validation)), options_(options) {
  if (options_.batch == 0) throw ValueError("batch size must be at least 1");
}

Var<float> TranslateTask::loss(std::int64_t step) {
  std::vector<tasks::DatePair> pairs;
  for (std::size_t b = 0; b < options_.batch; ++b)
    pairs.push_back(
        training_pair(options_.seed, static_cast<std::uint64_t>(step) * options_.batch + b));
  const DateBatch batch = make_batch(pairs, model_.config());
  model_.train();
  const auto encoded = model_.encode(batch.source, batch.lengths);
  return cross_entropy(model_.decode(encoded, batch.inputs), batch.targets);
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
