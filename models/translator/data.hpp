// translate's data: pairs of models/tasks/dates.hpp with a seeded set of days held out.
//   held out: the days d with splitmix64(seed ⊕ d) mod 10 = 0 (about 10 % of 1900–2099), in
//   every format: a held-out day is never seen in training, whatever its spelling.
//   batch: source ids [B, 32] (every batch the same width, for the caching allocator), lengths,
//   decoder inputs [B, 11] = <s> + the ISO date's 10 symbols, targets [B, 11] = those + </s>.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/tensor.hpp"
#include "models/tasks/dates.hpp"
#include "models/translator/config.hpp"

namespace unroll::translator {

inline constexpr std::size_t kMaxSource = 32;  // symbols of an input (the longest format: 29)
inline constexpr std::size_t kTargetSteps = 11;

bool held_out(const tasks::Date& date, std::uint64_t seed);
// Training pair `index`: the first of date_pair(seed, 64·index + j), j = 0, 1, …, on a day not
// held out.
tasks::DatePair training_pair(std::uint64_t seed, std::uint64_t index);
// `count` pairs of held-out days (a stream of its own, so the same for every training length).
std::vector<tasks::DatePair> held_out_pairs(std::uint64_t seed, std::size_t count);

struct DateBatch {
  IndexArray source;  // [B, kMaxSource]
  std::vector<std::size_t> lengths;
  IndexArray inputs, targets;  // [B, kTargetSteps]
};
// ValueError for no pairs; IndexError (from the config) for an unknown symbol; ValueError for an
// input over kMaxSource symbols.
DateBatch make_batch(const std::vector<tasks::DatePair>& pairs, const TranslatorConfig& config);

}  // namespace unroll::translator
