#include "models/tasks/copy_memory.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "framework/errors.hpp"
#include "framework/ops/select.hpp"
#include "models/tasks/random.hpp"

namespace unroll::tasks {

CopyMemory::CopyMemory(std::size_t delay, std::uint64_t seed) : delay_(delay), seed_(seed) {
  if (delay == 0)
    throw ValueError(fmt::format(
        "copy_memory: delay {} is too short; it needs at least 1 (T − 1 blanks, then the "
        "delimiter)",
        delay));
}

SequenceBatch CopyMemory::batch(std::size_t batch_size, std::uint64_t index) const {
  check_batch_size(name(), batch_size);
  const std::size_t L = length();
  SequenceBatch b;
  b.input_ids = IndexArray::from_shape(std::array{batch_size, L});
  b.target_ids = IndexArray::from_shape(std::array{batch_size, L});
  b.input_ids.fill(kBlank);
  b.target_ids.fill(kBlank);
  auto rng = batch_rng(seed_, index);
  for (std::size_t r = 0; r < batch_size; ++r) {
    for (std::size_t i = 0; i < kRecalled; ++i) {
      const auto symbol = static_cast<std::int64_t>(1 + uniform_below(rng, kDataSymbols));
      b.input_ids(r, i) = symbol;
      b.target_ids(r, L - kRecalled + i) = symbol;
    }
    b.input_ids(r, delay_ + kRecalled - 1) = kDelimiter;
  }
  return b;
}

double CopyMemory::recall_accuracy(const Var<float>& logits, const IndexArray& target_ids) const {
  const auto& shape = logits.value().shape();
  const std::size_t L = length();
  if (shape.size() != 3 || shape[1] != L || shape[2] != vocabulary() ||
      target_ids.dimension() != 2 || target_ids.shape(0) != shape[0] || target_ids.shape(1) != L)
    throw ShapeError(fmt::format(
        "copy_memory: recall_accuracy: logits {} and targets {} must be [B,{},{}] and [B,{}]",
        shape_str(shape), shape_str(target_ids.shape()), L, vocabulary(), L));
  const IndexArray predicted = argmax(logits, -1);  // [B, T + 20]
  std::size_t correct = 0;
  for (std::size_t r = 0; r < shape[0]; ++r)
    for (std::size_t t = L - kRecalled; t < L; ++t) correct += predicted(r, t) == target_ids(r, t);
  return static_cast<double>(correct) / static_cast<double>(shape[0] * kRecalled);
}

double CopyMemory::baseline_cross_entropy() const {
  return static_cast<double>(kRecalled) * std::log(static_cast<double>(kDataSymbols)) /
         static_cast<double>(length());
}

}  // namespace unroll::tasks
