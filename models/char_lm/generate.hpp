// Sampling from a CharLM: feed a prime, then feed each prediction back in. Records nothing.
#pragma once

#include <functional>
#include <string>

#include "models/char_lm/char_lm.hpp"

namespace unroll {

struct SampleOptions {
  std::string prime;         // UTF-8; every symbol must be in the vocabulary (IndexError if not)
  std::size_t length = 500;  // symbols to generate after the prime
  double temperature = 1.0;  // 0: greedy (argmax); otherwise softmax(logits / temperature)
  std::size_t top_k = 0;     // 0: all symbols; else sample among the k most likely
  std::uint64_t seed = 1;
};

// What a generation hook sees after each symbol is read (the prime's, then each generated one).
template <class T>
struct GenerationStep {
  std::size_t step;     // symbols read so far, this one included, minus one (0, 1, 2, …)
  bool prime;           // this symbol came from the prime, not from sampling
  std::int64_t symbol;  // its id in the vocabulary
  StepState<T>& state;  // every layer's state after reading it; what the hook leaves here is
                        // what predicts the next symbol (state.layer(l)[0] is h, [1] c)
};
template <class T>
using GenerationHook = std::function<void(GenerationStep<T>&)>;

// Calls `emit` with each generated symbol (UTF-8) as soon as it exists, and `hook` after every
// symbol read; returns the whole text generated (without the prime). ValueError for a negative
// temperature.
template <class T>
std::string sample(CharLM<T>& model, const SampleOptions& options,
                   const std::function<void(const std::string&)>& emit = {},
                   const GenerationHook<T>& hook = {});

}  // namespace unroll
