// Evaluating a CharLM on a text: mean cross-entropy per predicted character.
#pragma once

#include <vector>

#include "models/char_lm/char_lm.hpp"

namespace unroll {

struct Evaluation {
  double loss_nats = 0;      // mean −ln p(next symbol)
  double bits_per_char = 0;  // loss_nats / ln 2
  std::size_t chars = 0;     // predicted characters
};

// Cuts `ids` into n = ⌊(N − 1) / T⌋ consecutive windows (inputs ids[iT..iT+T), targets shifted
// by one), each from a zero state, and averages over all n·T predictions; `batch` windows run
// together. Records nothing. ValueError when N < T + 1.
template <class T>
Evaluation evaluate(CharLM<T>& model, const std::vector<std::int64_t>& ids, std::size_t steps,
                    std::size_t batch = 64);

}  // namespace unroll
