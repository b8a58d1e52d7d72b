#include "models/char_lm/evaluate.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace unroll {

template <class T>
Evaluation evaluate(CharLM<T>& model, const std::vector<std::int64_t>& ids, std::size_t steps,
                    std::size_t batch, ThreadTuner* threads) {
  if (steps == 0) throw ValueError("evaluate: sequence length must be at least 1");
  if (ids.size() <= steps)  // not ids.size() < steps + 1, which is false for steps = 2^64 − 1
    throw ValueError(
        fmt::format("evaluate: the text has {} symbols; at least {} (sequence length "
                    "+ 1) are needed — use more text or a shorter --seq",
                    ids.size(), static_cast<unsigned __int128>(steps) + 1));
  NoGrad no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const std::size_t windows = (ids.size() - 1) / steps;
  double total = 0;
  for (std::size_t first = 0; first < windows; first += batch) {
    const std::size_t rows = std::min(batch, windows - first);
    IndexArray inputs = IndexArray::from_shape({rows, steps});
    IndexArray targets = IndexArray::from_shape({rows, steps});
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t t = 0; t < steps; ++t) {
        inputs(r, t) = ids[(first + r) * steps + t];
        targets(r, t) = ids[(first + r) * steps + t + 1];
      }
    if (threads) threads->before_step();
    const auto start = std::chrono::steady_clock::now();
    const auto out = model.forward(inputs);
    total += static_cast<double>(model.loss(out.output, targets).item()) *
             static_cast<double>(rows * steps);
    if (threads)
      threads->after_step(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  model.train(was_training);
  Evaluation e;
  e.chars = windows * steps;
  e.loss_nats = total / static_cast<double>(e.chars);
  e.bits_per_char = e.loss_nats / std::log(2.0);
  return e;
}

Evaluation unigram_baseline(const std::vector<std::int64_t>& training,
                            const std::vector<std::int64_t>& text, std::size_t vocabulary) {
  if (text.empty()) throw ValueError("unigram baseline: no text to score");
  if (vocabulary == 0) throw ValueError("unigram baseline: an empty vocabulary");
  std::vector<double> counts(vocabulary, 1.0);  // add-one
  auto check = [&](std::int64_t id) {
    if (id < 0 || static_cast<std::size_t>(id) >= vocabulary)
      throw ValueError(
          fmt::format("unigram baseline: symbol id {} outside a vocabulary of {}", id, vocabulary));
    return static_cast<std::size_t>(id);
  };
  for (std::int64_t id : training) counts[check(id)] += 1;
  const double total = static_cast<double>(training.size() + vocabulary);
  double nats = 0;
  for (std::int64_t id : text) nats -= std::log(counts[check(id)] / total);
  Evaluation e;
  e.chars = text.size();
  e.loss_nats = nats / static_cast<double>(e.chars);
  e.bits_per_char = e.loss_nats / std::log(2.0);
  return e;
}

template Evaluation evaluate(CharLM<float>&, const std::vector<std::int64_t>&, std::size_t,
                             std::size_t, ThreadTuner*);
template Evaluation evaluate(CharLM<double>&, const std::vector<std::int64_t>&, std::size_t,
                             std::size_t, ThreadTuner*);

}  // namespace unroll
