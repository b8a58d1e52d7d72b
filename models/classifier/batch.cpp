#include "models/classifier/batch.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "framework/errors.hpp"

namespace unroll::classifier {

SnippetBatch make_batch(const std::vector<Snippet>& snippets, const ClassifierConfig& config,
                        std::size_t round_to) {
  if (snippets.empty()) throw ValueError("make_batch: no snippets");
  std::size_t steps = 0;
  for (std::size_t b = 0; b < snippets.size(); ++b) {
    if (snippets[b].text.empty())
      throw ValueError(fmt::format("make_batch: snippet {} is empty", b));
    steps = std::max(steps, snippets[b].text.size());
  }
  if (round_to > 1) steps = (steps + round_to - 1) / round_to * round_to;
  SnippetBatch batch;
  batch.ids = IndexArray::from_shape({snippets.size(), steps});
  batch.ids.fill(0);
  batch.labels = IndexArray::from_shape({snippets.size()});
  for (std::size_t b = 0; b < snippets.size(); ++b) {
    const auto ids = config.encode(snippets[b].text);
    std::copy(ids.begin(), ids.end(), batch.ids.data() + b * steps);
    batch.lengths.push_back(ids.size());
    batch.labels(b) = static_cast<std::int64_t>(snippets[b].label);
  }
  return batch;
}

const std::vector<LengthBucket>& length_buckets() {
  static const std::vector<LengthBucket> buckets = {{16, 31}, {32, 63}, {64, 127}, {128, 256}};
  return buckets;
}

std::size_t bucket_of(std::size_t length) {
  const auto& buckets = length_buckets();
  for (std::size_t i = 0; i + 1 < buckets.size(); ++i)
    if (length <= buckets[i].max) return i;
  return buckets.size() - 1;
}

std::vector<Snippet> stratified_snippets(const std::vector<ClassText>& classes,
                                         std::size_t per_bucket, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Snippet> out;
  for (std::size_t c = 0; c < classes.size(); ++c)
    for (const LengthBucket& bucket : length_buckets())
      for (std::size_t i = 0; i < per_bucket; ++i)
        out.push_back(draw_snippet_of(classes, c, rng, bucket.min, bucket.max));
  return out;
}

}  // namespace unroll::classifier
