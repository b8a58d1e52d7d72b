#include "models/tagger/task.hpp"

#include <fmt/format.h>

#include <numeric>

#include "framework/ops/select.hpp"
#include "models/training/training_state.hpp"

namespace unroll::tagger {

TaggerTask::TaggerTask(Tagger<float>& model, std::vector<TaggedText> train, WindowBatch validation,
                       const TaskOptions& options, distributed::Communicator& ranks)
    : model_(model),
      train_(std::move(train)),
      validation_(std::move(validation)),
      options_(options),
      ranks_(ranks) {
  if (options_.batch == 0) throw ValueError("batch size must be at least 1");
  if (options_.window == 0) throw ValueError("window must be at least 1");
  share_ = training::batch_share(options_.batch, ranks_);
}

Var<float> TaggerTask::loss(std::int64_t step) {
  std::seed_seq seq{options_.seed, static_cast<std::uint64_t>(step)};
  std::mt19937_64 rng(seq);
  WindowBatch b = draw_windows(train_, model_.config(), options_.batch, options_.window, rng);
  model_.train();
  if (ranks_.size() == 1)
    return Tagger<float>::loss(model_.forward(b.ids, b.lengths), b.tags, b.lengths);
  // This rank's rows; the loss is a mean over characters, and a short file's window is shorter.
  const auto characters = [](const WindowBatch& w) {
    return std::accumulate(w.lengths.begin(), w.lengths.end(), std::size_t{0});
  };
  const std::size_t all = characters(b);
  const auto [first, count] = share_;
  b.ids = training::rows_of(b.ids, first, count);
  b.tags = training::rows_of(b.tags, first, count);
  b.lengths = {b.lengths.begin() + first, b.lengths.begin() + first + count};
  const Var<float> mean = Tagger<float>::loss(model_.forward(b.ids, b.lengths), b.tags, b.lengths);
  return training::share_of_global_mean(mean, characters(b), all, ranks_);
}

std::vector<distributed::Fingerprint> TaggerTask::fingerprints() const {
  std::uint64_t data = distributed::fingerprint("texts");
  for (const auto& t : train_)
    data = distributed::fingerprint_of(std::span<const char32_t>(t.text), data);
  const WindowBatch& v = validation_;
  const std::uint64_t held_out = distributed::fingerprint_of(
      std::span<const std::int64_t>(v.ids.data(), v.ids.size()),
      distributed::fingerprint_of(std::span<const std::size_t>(v.lengths)));
  return {{"model configuration", training::fingerprint_metadata(model_.config().to_metadata())},
          {"training data", data},
          {"validation data", held_out},
          {"batch, window and seed settings",
           distributed::fingerprint(fmt::format("batch {} window {} seed {}", options_.batch,
                                                options_.window, options_.seed))}};
}

training::Validation TaggerTask::validate() {
  model_.eval();
  NoGrad no_grad;
  const WindowBatch& b = validation_;
  const Var<float> logits = model_.forward(b.ids, b.lengths);  // [B, T, K]
  const double loss = static_cast<double>(Tagger<float>::loss(logits, b.tags, b.lengths).value()());
  const IndexArray best = argmax(logits, 2);  // [B, T]
  std::size_t right = 0, total = 0;
  for (std::size_t r = 0; r < b.lengths.size(); ++r)
    for (std::size_t t = 0; t < b.lengths[r]; ++t, ++total) right += best(r, t) == b.tags(r, t);
  model_.train();
  return {loss, {static_cast<double>(right) / static_cast<double>(total)}};
}

std::string TaggerTask::describe(const training::Validation& validation) const {
  return fmt::format("{:.4f} (accuracy {:.2f} %)", validation.loss,
                     100.0 * validation.metrics.at(0));
}

std::map<std::string, std::string> TaggerTask::checkpoint_metadata() const {
  auto metadata = model_.config().to_metadata();
  metadata["seed"] = std::to_string(options_.seed);  // the split: eval holds out the same files
  return metadata;
}

void TaggerTask::save_state(io::SafetensorsFile& state) const {
  state.metadata.insert({{"batch", std::to_string(options_.batch)},
                         {"window", std::to_string(options_.window)},
                         {"seed", std::to_string(options_.seed)}});
}

void TaggerTask::load_state(const io::SafetensorsFile& state, const std::string& path) {
  training::require_setting(state, path, "batch", std::to_string(options_.batch));
  training::require_setting(state, path, "window", std::to_string(options_.window));
  training::require_setting(state, path, "seed", std::to_string(options_.seed));
}

}  // namespace unroll::tagger
