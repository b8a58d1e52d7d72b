// Greedy and beam-search decoding over any model that scores one step at a time.
//
// The model is a callback: step(ids, parents) → log-probabilities [K, V], where ids [K] are the
// last symbols of the K hypotheses still open and parents [K] the rows of the previous call's
// hypotheses they extend — the caller's state for row k becomes its previous state's row
// parents[k] (with Seq2Seq: gather the decoder states along parents, then step(encoded, ids)).
// The first call has K = 1: ids = [start], parents = [0].
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "framework/tensor.hpp"

namespace unroll {

using DecodeStep =
    std::function<Array<float>(const IndexArray& ids, const std::vector<std::size_t>& parents)>;

struct DecodeOptions {
  std::int64_t start = 1;       // the symbol the first step reads
  std::int64_t end = 2;         // the symbol that closes a hypothesis
  std::size_t max_length = 64;  // symbols per hypothesis, the end included
  std::size_t beam = 4;         // K (greedy ignores it)
};

struct Hypothesis {
  std::vector<std::int64_t> ids;  // without the start; ending with `end` when ended
  double log_prob = 0;            // Σ log p of its symbols
  bool ended = false;             // false: cut at max_length
};

// The argmax symbol at every step (ties to the lowest id) until `end` or max_length; the same as
// beam_search with beam 1 (but a step of all −∞ here takes symbol 0). ValueError for max_length 0
// or a NaN log-probability; ShapeError when step returns other than [1, V] with V > start, end.
Hypothesis greedy_decode(const DecodeStep& step, const DecodeOptions& options);

// The `beam` best hypotheses, best first (by log_prob; ties to the earlier found). Each step
// extends every open hypothesis by every symbol and keeps the best (beam − ended) of them; those
// that end with `end` are set aside, so the search stops when `beam` have ended or at max_length
// (the open ones then join, unended). Symbols of log-probability −∞ are never chosen, so fewer
// than `beam` may come back. ValueError for beam or max_length 0 or a NaN log-probability;
// ShapeError when step returns other than [K, V].
std::vector<Hypothesis> beam_search(const DecodeStep& step, const DecodeOptions& options);

}  // namespace unroll
