// Snippets as the classifier reads them: padded ids, lengths, labels.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "framework/tensor.hpp"
#include "models/classifier/config.hpp"
#include "models/classifier/text_classes.hpp"

namespace unroll::classifier {

struct SnippetBatch {
  IndexArray ids;                    // [B, T], T the longest snippet; padding id 0 (masked)
  std::vector<std::size_t> lengths;  // [B], each in [1, T]
  IndexArray labels;                 // [B]
};

// The batch of `snippets` (none empty), encoded by config (unknown symbols → <unk>), T the
// longest snippet rounded up to a multiple of `round_to`: a few distinct shapes let the caching
// allocator reuse its blocks (framework/memory.hpp) where every new length would take new ones.
// ValueError for an empty list or an empty snippet.
SnippetBatch make_batch(const std::vector<Snippet>& snippets, const ClassifierConfig& config,
                        std::size_t round_to = 32);

// The length buckets eval reports accuracy by: [16, 31], [32, 63], [64, 127], [128, 256].
struct LengthBucket {
  std::size_t min, max;
};
const std::vector<LengthBucket>& length_buckets();
// The index of the bucket holding `length` (lengths below 16 count in the first, above 256 in
// the last).
std::size_t bucket_of(std::size_t length);

// A fixed evaluation set: for every class and every length bucket, `per_bucket` snippets whose
// lengths are uniform in the bucket, drawn with `seed` — stratified, so every bucket and class
// weighs the same. Classes in order, then buckets.
std::vector<Snippet> stratified_snippets(const std::vector<ClassText>& classes,
                                         std::size_t per_bucket, std::uint64_t seed);

}  // namespace unroll::classifier
