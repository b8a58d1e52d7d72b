#include "models/char_lm/generate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "models/text/utf8.hpp"

namespace unroll {
namespace {

// An id drawn from logits [V] at `temperature`, among the `top_k` most likely (0: all).
template <class T>
std::int64_t choose(const T* logits, std::size_t vocab, double temperature, std::size_t top_k,
                    std::mt19937_64& rng) {
  for (std::size_t i = 0; i < vocab; ++i)
    if (!std::isfinite(logits[i]))
      throw ValueError(
          fmt::format("sample: the logit of symbol {} is {} (a diverged model, or a "
                      "state set to a non-finite value)",
                      i, logits[i]));
  if (temperature == 0.0) return std::max_element(logits, logits + vocab) - logits;
  std::vector<std::size_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  const std::size_t keep = top_k == 0 ? vocab : std::min(top_k, vocab);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(keep), order.end(),
                    [&](std::size_t a, std::size_t b) { return logits[a] > logits[b]; });
  const double top = static_cast<double>(logits[order[0]]);
  std::vector<double> weights(keep);
  for (std::size_t i = 0; i < keep; ++i)
    weights[i] = std::exp((static_cast<double>(logits[order[i]]) - top) / temperature);
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  return static_cast<std::int64_t>(order[pick(rng)]);
}

}  // namespace

template <class T>
std::string sample(CharLM<T>& model, const SampleOptions& options,
                   const std::function<void(const std::string&)>& emit,
                   const GenerationHook<T>& hook) {
  if (!(options.temperature >= 0.0))
    throw ValueError(
        fmt::format("sample: temperature {} must be 0 (greedy) or positive", options.temperature));
  const Vocabulary& vocab = model.config().vocabulary;
  const auto prime = vocab.encode(decode_utf8(options.prime), "sample: prime");
  NoGrad no_grad;
  struct RestoreMode {  // the model's training mode comes back even when a hook throws
    CharLM<T>& model;
    bool training;
    ~RestoreMode() { model.train(training); }
  } restore{model, model.is_training()};
  model.eval();
  std::mt19937_64 rng(options.seed);
  StepState<T> state = model.start(1);
  IndexArray id = IndexArray::from_shape({1});
  std::size_t steps = 0;
  auto read = [&](std::int64_t symbol, bool from_prime) {
    id(0) = symbol;
    model.read(id, state);
    if (hook) {
      GenerationStep<T> step{steps, from_prime, symbol, state};
      hook(step);
    }
    ++steps;
    return model.predict(state);  // [1, V]
  };
  // Start from the prime (or, without one, from a symbol drawn uniformly).
  std::vector<std::int64_t> feed = prime;
  if (feed.empty())
    feed.push_back(std::uniform_int_distribution<std::int64_t>(
        0, static_cast<std::int64_t>(vocab.size()) - 1)(rng));
  Var<T> logits;
  for (auto symbol : feed) logits = read(symbol, true);
  std::string text;
  for (std::size_t i = 0; i < options.length; ++i) {
    const std::int64_t next =
        choose(logits.value().data(), vocab.size(), options.temperature, options.top_k, rng);
    const std::string symbol = encode_utf8(vocab.symbol(next));
    text += symbol;
    if (emit) emit(symbol);
    logits = read(next, false);
  }
  return text;
}

template std::string sample(CharLM<float>&, const SampleOptions&,
                            const std::function<void(const std::string&)>&,
                            const GenerationHook<float>&);
template std::string sample(CharLM<double>&, const SampleOptions&,
                            const std::function<void(const std::string&)>&,
                            const GenerationHook<double>&);

}  // namespace unroll
