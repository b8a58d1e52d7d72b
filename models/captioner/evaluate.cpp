#include "models/captioner/evaluate.hpp"

#include <algorithm>

#include "framework/errors.hpp"
#include "models/captioner/batch.hpp"
#include "models/captioner/decode.hpp"

namespace unroll::captioner {

Evaluation evaluate(Captioner<float>& model, const std::vector<tasks::Scene>& scenes,
                    std::size_t beam, std::size_t batch) {
  if (scenes.empty()) throw ValueError("evaluate: no scenes");
  const auto& vocabulary = tasks::caption_vocabulary();
  Evaluation e;
  double loss_sum = 0, word_right = 0, word_total = 0, exact = 0, loss_words = 0;
  for (std::size_t begin = 0; begin < scenes.size(); begin += batch) {
    const std::vector<tasks::Scene> part(
        scenes.begin() + static_cast<std::ptrdiff_t>(begin),
        scenes.begin() + static_cast<std::ptrdiff_t>(std::min(scenes.size(), begin + batch)));
    const CaptionBatch b = make_batch(part);
    model.eval();
    NoGrad no_grad;
    const double words =
        static_cast<double>(std::count_if(b.targets.begin(), b.targets.end(), [](std::int64_t t) {
          return t != WordVocabulary::kPad;
        }));
    loss_sum +=
        static_cast<double>(
            Captioner<float>::loss(model.forward(b.pixels, b.inputs), b.targets).value()()) *
        words;
    loss_words += words;
  }
  for (const tasks::Scene& s : scenes) {
    const auto truth = vocabulary.encode(s.caption);
    auto got = caption_ids(model, pixel_rows({s.image}), beam);
    if (!got.empty() && got.back() == WordVocabulary::kEnd) got.pop_back();
    std::size_t same = 0;
    for (std::size_t i = 0; i < std::min(truth.size(), got.size()); ++i) same += truth[i] == got[i];
    word_right += static_cast<double>(same);
    word_total += static_cast<double>(std::max(truth.size(), got.size()));
    exact += got == truth ? 1.0 : 0.0;
  }
  model.train();
  e.loss = loss_sum / loss_words;
  e.exact = exact / static_cast<double>(scenes.size());
  e.per_word = word_right / word_total;
  return e;
}

std::vector<tasks::Scene> scene_set(std::uint64_t seed, tasks::SceneSplit split,
                                    std::size_t count) {
  std::vector<tasks::Scene> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back(tasks::make_scene(seed, split, i));
  return out;
}

}  // namespace unroll::captioner
