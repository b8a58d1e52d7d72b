#include "models/captioner/task.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "models/captioner/batch.hpp"
#include "models/captioner/evaluate.hpp"
#include "models/training/training_state.hpp"

namespace unroll::captioner {
namespace {

// The targets the loss counts: those that are not <pad>.
std::size_t counted_words(const IndexArray& targets) {
  return static_cast<std::size_t>(std::count_if(
      targets.begin(), targets.end(), [](std::int64_t t) { return t != WordVocabulary::kPad; }));
}

}  // namespace

CaptionTask::CaptionTask(Captioner<float>& model, std::vector<tasks::Scene> validation,
                         const TaskOptions& options, distributed::Communicator& ranks)
    : model_(model), validation_(std::move(validation)), options_(options), ranks_(ranks) {
  if (options_.batch == 0) throw ValueError("batch size must be at least 1");
  share_ = training::batch_share(options_.batch, ranks_);
}

Var<float> CaptionTask::loss(std::int64_t step) {
  std::vector<tasks::Scene> scenes;
  const auto first = static_cast<std::uint64_t>(step) * options_.batch;
  for (std::size_t b = 0; b < options_.batch; ++b)
    scenes.push_back(tasks::make_scene(options_.seed, tasks::SceneSplit::Train, first + b));
  CaptionBatch batch = make_batch(scenes);
  model_.train();
  if (ranks_.size() == 1)
    return Captioner<float>::loss(model_.forward(batch.pixels, batch.inputs), batch.targets);
  // This rank's rows; the loss is a mean over words, and captions differ in length.
  const std::size_t words = counted_words(batch.targets);
  const auto [row, rows] = share_;
  batch.pixels = training::rows_of(batch.pixels, row, rows);
  batch.inputs = training::rows_of(batch.inputs, row, rows);
  batch.targets = training::rows_of(batch.targets, row, rows);
  const Var<float> mean =
      Captioner<float>::loss(model_.forward(batch.pixels, batch.inputs), batch.targets);
  return training::share_of_global_mean(mean, counted_words(batch.targets), words, ranks_);
}

std::vector<distributed::Fingerprint> CaptionTask::fingerprints() const {
  std::string held_out;
  for (const auto& s : validation_) held_out += s.caption + '\n';
  return {{"model configuration", training::fingerprint_metadata(model_.config().to_metadata())},
          {"validation data", distributed::fingerprint(held_out)},
          {"batch and seed settings", distributed::fingerprint(fmt::format(
                                          "batch {} seed {}", options_.batch, options_.seed))}};
}

training::Validation CaptionTask::validate() {
  const Evaluation e = evaluate(model_, validation_);
  return {e.loss, {e.exact}};
}

std::string CaptionTask::describe(const training::Validation& validation) const {
  return fmt::format("{:.4f} (exact {:.1f} %)", validation.loss, 100.0 * validation.metrics.at(0));
}

std::map<std::string, std::string> CaptionTask::checkpoint_metadata() const {
  auto metadata = model_.config().to_metadata();
  metadata["seed"] = std::to_string(options_.seed);
  return metadata;
}

void CaptionTask::save_state(io::SafetensorsFile& state) const {
  state.metadata.insert(
      {{"batch", std::to_string(options_.batch)}, {"seed", std::to_string(options_.seed)}});
}

void CaptionTask::load_state(const io::SafetensorsFile& state, const std::string& path) {
  training::require_setting(state, path, "batch", std::to_string(options_.batch));
  training::require_setting(state, path, "seed", std::to_string(options_.seed));
}

}  // namespace unroll::captioner
