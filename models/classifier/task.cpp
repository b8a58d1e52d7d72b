#include "models/classifier/task.hpp"

#include <fmt/format.h>

#include "models/classifier/batch.hpp"
#include "models/classifier/evaluate.hpp"
#include "models/training/training_state.hpp"

namespace unroll::classifier {
namespace {

// A step's snippets are within this many symbols of each other (see the top of task.hpp).
constexpr std::size_t kStepRound = 32;

}  // namespace

ClassifierTask::ClassifierTask(Classifier<float>& model, std::vector<ClassText> train,
                               std::vector<Snippet> validation, const TaskOptions& options,
                               distributed::Communicator& ranks)
    : model_(model),
      train_(std::move(train)),
      validation_(std::move(validation)),
      options_(options),
      ranks_(ranks) {
  if (options_.batch == 0) throw ValueError("batch size must be at least 1");
  share_ = training::batch_share(options_.batch, ranks_);
  const auto& classes = model_.config().classes;
  bool same = train_.size() == classes.size();
  for (std::size_t c = 0; same && c < classes.size(); ++c) same = train_[c].name == classes[c];
  if (!same)
    throw ValueError(fmt::format("ClassifierTask: the data's classes are not the model's ({})",
                                 fmt::join(classes, ", ")));
}

Var<float> ClassifierTask::loss(std::int64_t step) {
  std::seed_seq seq{options_.seed, static_cast<std::uint64_t>(step)};
  std::mt19937_64 rng(seq);
  const std::size_t steps = kStepRound * std::uniform_int_distribution<std::size_t>(
                                             1, kMaxSnippet / kStepRound)(rng);  // T
  const std::size_t shortest = std::max(kMinSnippet, steps - kStepRound + 1);
  std::vector<Snippet> snippets;
  for (std::size_t b = 0; b < options_.batch; ++b)
    snippets.push_back(draw_snippet(train_, rng, shortest, steps));
  SnippetBatch batch = make_batch(snippets, model_.config(), kStepRound);
  if (ranks_.size() > 1) {  // this rank's rows; equal shares of a mean over examples
    const auto [first, count] = share_;
    batch.ids = training::rows_of(batch.ids, first, count);
    batch.labels = training::rows_of(batch.labels, first, count);
    batch.lengths = {batch.lengths.begin() + first, batch.lengths.begin() + first + count};
  }
  model_.train();
  return Classifier<float>::loss(model_.forward(batch.ids, batch.lengths), batch.labels);
}

std::vector<distributed::Fingerprint> ClassifierTask::fingerprints() const {
  std::uint64_t data = distributed::fingerprint("classes");
  for (const auto& c : train_) {
    data = distributed::fingerprint(c.name, data);
    for (const auto& file : c.files)
      data = distributed::fingerprint_of(std::span<const char32_t>(file), data);
  }
  std::uint64_t held_out = distributed::fingerprint("snippets");
  for (const auto& s : validation_)
    held_out = distributed::fingerprint_of(
        std::span<const std::size_t>(&s.label, 1),
        distributed::fingerprint_of(std::span<const char32_t>(s.text), held_out));
  return {{"model configuration", training::fingerprint_metadata(model_.config().to_metadata())},
          {"training data", data},
          {"validation data", held_out},
          {"batch and seed settings", distributed::fingerprint(fmt::format(
                                          "batch {} seed {}", options_.batch, options_.seed))}};
}

training::Validation ClassifierTask::validate() {
  const Evaluation e = evaluate(model_, validation_);
  return {e.loss, {e.accuracy}};
}

std::string ClassifierTask::describe(const training::Validation& validation) const {
  return fmt::format("{:.4f} (accuracy {:.1f} %)", validation.loss,
                     100.0 * validation.metrics.at(0));
}

std::map<std::string, std::string> ClassifierTask::checkpoint_metadata() const {
  auto metadata = model_.config().to_metadata();
  metadata["seed"] = std::to_string(options_.seed);  // the split: eval holds out the same files
  return metadata;
}

void ClassifierTask::save_state(io::SafetensorsFile& state) const {
  state.metadata.insert(
      {{"batch", std::to_string(options_.batch)}, {"seed", std::to_string(options_.seed)}});
}

void ClassifierTask::load_state(const io::SafetensorsFile& state, const std::string& path) {
  training::require_setting(state, path, "batch", std::to_string(options_.batch));
  training::require_setting(state, path, "seed", std::to_string(options_.seed));
}

}  // namespace unroll::classifier
