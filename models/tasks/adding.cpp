#include "models/tasks/adding.hpp"

#include <fmt/format.h>

#include <array>

#include "framework/errors.hpp"
#include "models/tasks/random.hpp"

namespace unroll::tasks {

Adding::Adding(std::size_t length, std::uint64_t seed) : length_(length), seed_(seed) {
  if (length < 2)
    throw ValueError(fmt::format(
        "adding: sequence length {} is too short; it needs at least 2 (a marker in each half)",
        length));
}

SequenceBatch Adding::batch(std::size_t batch_size, std::uint64_t index) const {
  check_batch_size(name(), batch_size);
  const std::size_t T = length_, half = T / 2;
  SequenceBatch b;
  b.inputs = Array<float>::from_shape(std::array{batch_size, T, std::size_t{2}});
  b.targets = Array<float>::from_shape(std::array{batch_size, std::size_t{1}});
  auto rng = batch_rng(seed_, index);
  for (std::size_t r = 0; r < batch_size; ++r) {
    for (std::size_t t = 0; t < T; ++t) {
      b.inputs(r, t, 0) = unit_float(rng);
      b.inputs(r, t, 1) = 0.0f;
    }
    const std::size_t first = uniform_below(rng, half);
    const std::size_t second = half + uniform_below(rng, T - half);
    b.inputs(r, first, 1) = 1.0f;
    b.inputs(r, second, 1) = 1.0f;
    b.targets(r, 0) = b.inputs(r, first, 0) + b.inputs(r, second, 0);
  }
  return b;
}

}  // namespace unroll::tasks
