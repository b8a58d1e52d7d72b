#include "models/text/batches.hpp"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <random>

#include "framework/errors.hpp"

namespace unroll {
namespace {

// The corpus is the largest thing training keeps besides the model: symbol ids fit in 32 bits
// (a vocabulary has far fewer than 2³¹ symbols), which halves it. Takes the 64-bit ids by value
// and lets them go before returning.
std::vector<std::int32_t> narrow_ids(std::vector<std::int64_t> ids) {
  std::vector<std::int32_t> narrow(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] > std::numeric_limits<std::int32_t>::max())
      throw ValueError(
          fmt::format("batches: symbol id {} at position {} is outside [0, 2³¹)", ids[i], i));
    narrow[i] = static_cast<std::int32_t>(ids[i]);
  }
  return narrow;
}

}  // namespace

StreamBatcher::StreamBatcher(std::vector<std::int64_t> ids, std::size_t batch, std::size_t steps,
                             bool random_offsets, std::uint64_t seed)
    : ids_(narrow_ids(std::move(ids))),
      batch_(batch),
      steps_(steps),
      random_offsets_(random_offsets),
      seed_(seed) {
  if (batch == 0 || steps == 0)
    throw ValueError(fmt::format("batches: batch {} and sequence length {} must both be at least 1",
                                 batch, steps));
  // N < B·(T + 1), without the product, which can overflow (B = 2, T = 2^63: a 0-element batch
  // array written 2^64 times).
  if (ids_.size() / batch <= steps)
    throw ValueError(fmt::format(
        "batches: the training text has {} symbols, but batch {} × (sequence length {} + 1) = {} "
        "are needed; lower the batch size or sequence length, or use more text",
        ids_.size(), batch, steps,
        static_cast<unsigned __int128>(batch) * (static_cast<unsigned __int128>(steps) + 1)));
  stream_length_ = (ids_.size() - 1) / batch;
  windows_ = stream_length_ / steps;
}

std::size_t StreamBatcher::offset(std::uint64_t epoch) const {
  const std::size_t slack = stream_length_ - windows_ * steps_;
  if (!random_offsets_ || epoch == 0 || slack == 0) return 0;
  std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL + epoch);
  return std::uniform_int_distribution<std::size_t>(0, slack)(rng);
}

namespace {

// `batch`'s arrays shaped [B, T] (kept when they already are).
void shape_batch(Batch& batch, std::size_t rows, std::size_t steps) {
  const std::array<std::size_t, 2> shape{rows, steps};
  if (batch.inputs.dimension() != 2 || batch.inputs.shape(0) != rows ||
      batch.inputs.shape(1) != steps) {
    batch.inputs.resize(shape);
    batch.targets.resize(shape);
  }
}

}  // namespace

void StreamBatcher::random_windows(std::uint64_t step, Batch& b) const {
  shape_batch(b, batch_, steps_);
  b.starts_epoch = true;
  std::mt19937_64 rng(seed_ * 0x9E3779B97F4A7C15ULL ^ (step + 1) * 0xBF58476D1CE4E5B9ULL);
  const std::size_t starts = ids_.size() - steps_;  // start s reads ids[s .. s + T]
  for (std::size_t r = 0; r < batch_; ++r) {
    const std::int32_t* window = ids_.data() + rng() % starts;
    for (std::size_t t = 0; t < steps_; ++t) {
      b.inputs(r, t) = window[t];
      b.targets(r, t) = window[t + 1];
    }
  }
}

Batch StreamBatcher::random_windows(std::uint64_t step) const {
  Batch b{};
  random_windows(step, b);
  return b;
}

void StreamBatcher::next(Batch& b) {
  shape_batch(b, batch_, steps_);
  b.starts_epoch = position_.window == 0;
  const std::size_t start = offset(position_.epoch) + position_.window * steps_;
  for (std::size_t s = 0; s < batch_; ++s) {
    const std::int32_t* stream = ids_.data() + s * stream_length_ + start;
    for (std::size_t t = 0; t < steps_; ++t) {
      b.inputs(s, t) = stream[t];
      b.targets(s, t) = stream[t + 1];
    }
  }
  if (++position_.window == windows_) position_ = {position_.epoch + 1, 0};
}

Batch StreamBatcher::next() {
  Batch b{};
  next(b);
  return b;
}

void StreamBatcher::seek(StreamPosition position) {
  if (position.window >= windows_)
    throw ValueError(fmt::format("batches: window {} is past the {} windows of an epoch",
                                 position.window, windows_));
  position_ = position;
}

}  // namespace unroll
