#include "models/tasks/temporal_order.hpp"

#include <fmt/format.h>

#include <array>

#include "framework/errors.hpp"
#include "models/tasks/random.hpp"

namespace unroll::tasks {

TemporalOrder::TemporalOrder(std::size_t length, std::uint64_t seed)
    : length_(length), seed_(seed) {
  if (length < 10)
    throw ValueError(fmt::format(
        "temporal_order: sequence length {} is too short; it needs at least 10 (the relevant "
        "symbols' windows [T/10, 2T/10) and [5T/10, 6T/10) must not be empty)",
        length));
}

SequenceBatch TemporalOrder::batch(std::size_t batch_size, std::uint64_t index) const {
  check_batch_size(name(), batch_size);
  SequenceBatch b;
  b.input_ids = IndexArray::from_shape(std::array{batch_size, length_});
  b.target_ids = IndexArray::from_shape(std::array{batch_size});
  auto rng = batch_rng(seed_, index);
  const std::array windows{first_window(), second_window()};
  for (std::size_t r = 0; r < batch_size; ++r) {
    for (std::size_t t = 0; t < length_; ++t)
      b.input_ids(r, t) = static_cast<std::int64_t>(uniform_below(rng, kDistractors));
    std::int64_t order = 0;
    for (const Window& w : windows) {
      const std::size_t t = w.begin + uniform_below(rng, w.end - w.begin);
      const bool is_y = uniform_below(rng, 2) == 1;
      b.input_ids(r, t) = is_y ? kY : kX;
      order = 2 * order + is_y;
    }
    b.target_ids(r) = order;
  }
  return b;
}

}  // namespace unroll::tasks
