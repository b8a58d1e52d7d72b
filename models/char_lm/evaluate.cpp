#include "models/char_lm/evaluate.hpp"

#include <fmt/format.h>

#include <cmath>

namespace unroll {

template <class T>
Evaluation evaluate(CharLM<T>& model, const std::vector<std::int64_t>& ids, std::size_t steps,
                    std::size_t batch) {
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
    const auto out = model.forward(inputs);
    total += static_cast<double>(model.loss(out.output, targets).item()) *
             static_cast<double>(rows * steps);
  }
  model.train(was_training);
  Evaluation e;
  e.chars = windows * steps;
  e.loss_nats = total / static_cast<double>(e.chars);
  e.bits_per_char = e.loss_nats / std::log(2.0);
  return e;
}

template Evaluation evaluate(CharLM<float>&, const std::vector<std::int64_t>&, std::size_t,
                             std::size_t);
template Evaluation evaluate(CharLM<double>&, const std::vector<std::int64_t>&, std::size_t,
                             std::size_t);

}  // namespace unroll
