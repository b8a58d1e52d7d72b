#include "models/captioner/batch.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "framework/errors.hpp"
#include "models/captioner/captioner.hpp"

namespace unroll::captioner {

std::vector<float> image_row(const GrayImage& image) {
  if (image.width != tasks::kSceneSide || image.height != tasks::kSceneSide)
    throw ValueError(fmt::format("the image is {}×{}; the captioner reads {}×{} scenes",
                                 image.width, image.height, tasks::kSceneSide, tasks::kSceneSide));
  std::vector<float> row(kPixels);
  for (std::size_t i = 0; i < kPixels; ++i)
    row[i] = static_cast<float>(image.pixels[i]) / static_cast<float>(image.maxval);
  return row;
}

Array<float> pixel_rows(const std::vector<GrayImage>& images) {
  Array<float> pixels = Array<float>::from_shape({images.size(), kPixels});
  for (std::size_t b = 0; b < images.size(); ++b) {
    const auto row = image_row(images[b]);
    std::copy(row.begin(), row.end(), pixels.data() + b * kPixels);
  }
  return pixels;
}

CaptionBatch make_batch(const std::vector<tasks::Scene>& scenes) {
  if (scenes.empty()) throw ValueError("make_batch: no scenes");
  const auto& vocabulary = tasks::caption_vocabulary();
  CaptionBatch batch;
  std::vector<GrayImage> images;
  batch.inputs = IndexArray::from_shape({scenes.size(), kCaptionSteps});
  batch.targets = IndexArray::from_shape({scenes.size(), kCaptionSteps});
  batch.inputs.fill(WordVocabulary::kPad);
  batch.targets.fill(WordVocabulary::kPad);
  for (std::size_t b = 0; b < scenes.size(); ++b) {
    images.push_back(scenes[b].image);
    const auto words = vocabulary.encode(scenes[b].caption);
    if (words.size() + 1 > kCaptionSteps)
      throw ValueError(fmt::format("make_batch: caption {} has {} words; at most {} fit", b,
                                   words.size(), kCaptionSteps - 1));
    batch.inputs(b, 0) = WordVocabulary::kStart;
    for (std::size_t t = 0; t < words.size(); ++t) {
      batch.targets(b, t) = words[t];
      batch.inputs(b, t + 1) = words[t];
    }
    batch.targets(b, words.size()) = WordVocabulary::kEnd;
  }
  batch.pixels = pixel_rows(images);
  return batch;
}

}  // namespace unroll::captioner
