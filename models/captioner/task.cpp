#include "models/captioner/task.hpp"

#include <fmt/format.h>

#include "models/captioner/batch.hpp"
#include "models/captioner/evaluate.hpp"
#include "models/training/training_state.hpp"

namespace unroll::captioner {

CaptionTask::CaptionTask(Captioner<float>& model, std::vector<tasks::Scene> validation,
                         const TaskOptions& options)
    : model_(model), validation_(std::move(validation)), options_(options) {
  if (options_.batch == 0) throw ValueError("batch size must be at least 1");
}

Var<float> CaptionTask::loss(std::int64_t step) {
  std::vector<tasks::Scene> scenes;
  const auto first = static_cast<std::uint64_t>(step) * options_.batch;
  for (std::size_t b = 0; b < options_.batch; ++b)
    scenes.push_back(tasks::make_scene(options_.seed, tasks::SceneSplit::Train, first + b));
  const CaptionBatch batch = make_batch(scenes);
  model_.train();
  return Captioner<float>::loss(model_.forward(batch.pixels, batch.inputs), batch.targets);
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
