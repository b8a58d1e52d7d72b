// Held-out exact-match accuracy of greedy decoding, overall, by format and by input length.
#pragma once

#include <string>
#include <vector>

#include "models/translator/data.hpp"
#include "models/translator/translator.hpp"

namespace unroll::translator {

struct Tally {
  std::size_t right = 0, total = 0;
  double rate() const { return total ? static_cast<double>(right) / total : 0.0; }
};

struct Evaluation {
  double loss = 0;  // teacher-forced mean cross-entropy
  Tally all;
  std::vector<Tally> by_format;  // one per tasks::date_formats()
  std::vector<Tally> by_length;  // one per length_buckets()
  double accuracy() const { return all.rate(); }
};

// Input lengths eval reports by: 6–10, 11–15, 16–20, 21–25, 26–32 symbols.
struct LengthBucket {
  std::size_t min, max;
};
const std::vector<LengthBucket>& length_buckets();

// Counts one translation of a date of format `format` and `length` input symbols.
void tally(Evaluation& e, std::size_t format, std::size_t length, bool right);
// An empty Evaluation with a tally per format and per length bucket.
Evaluation empty_evaluation();

// In batches of `batch` rows, under NoGrad.
Evaluation evaluate(Translator<float>& model, const std::vector<tasks::DatePair>& pairs,
                    std::size_t batch = 250);

// The ISO dates greedy decoding gives for `texts` (each 1 … kMaxSource known symbols).
std::vector<std::string> translate_greedy(Translator<float>& model,
                                          const std::vector<std::u32string>& texts);

}  // namespace unroll::translator
