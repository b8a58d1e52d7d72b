// Evaluating a CharLM on a text: mean cross-entropy per predicted character.
#pragma once

#include <vector>

#include "framework/thread_tuner.hpp"
#include "models/char_lm/char_lm.hpp"

namespace unroll {

struct Evaluation {
  double loss_nats = 0;      // mean −ln p(next symbol)
  double bits_per_char = 0;  // loss_nats / ln 2
  std::size_t chars = 0;     // predicted characters
};

// Cuts `ids` into n = ⌊(N − 1) / T⌋ consecutive windows (inputs ids[iT..iT+T), targets shifted
// by one), each from a zero state, and averages over all n·T predictions; `batch` windows run
// together (`threads`, when given, chooses the compute threads batch by batch). Records nothing.
// ValueError when N < T + 1.
template <class T>
Evaluation evaluate(CharLM<T>& model, const std::vector<std::int64_t>& ids, std::size_t steps,
                    std::size_t batch = 64, ThreadTuner* threads = nullptr);

// The baseline a model must beat: every symbol predicted from the training text's symbol
// frequencies alone, p(s) = (count(s) + 1) / (N + V) (add-one, so a symbol absent from
// `training` costs log2(N + V) bits, not infinity), scored on `text` as −mean ln p(s).
// ValueError for an empty `text`, V = 0 or an id outside [0, V).
Evaluation unigram_baseline(const std::vector<std::int64_t>& training,
                            const std::vector<std::int64_t>& text, std::size_t vocabulary);

}  // namespace unroll
