// Data parallelism for a task that draws the whole global batch on every rank — from its seed
// and the step, so every rank draws the same — and trains only its own rows of it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <string>

#include "framework/distributed/communicator.hpp"
#include "framework/distributed/fingerprint.hpp"
#include "framework/tape.hpp"
#include "framework/tensor.hpp"

namespace unroll::training {

// Rows [first, first + count) of a row-major array [R, …] (an Array or an IndexArray).
template <class A>
A rows_of(const A& a, std::size_t first, std::size_t count) {
  Shape shape(a.shape().begin(), a.shape().end());
  const std::size_t row = a.size() / shape[0];
  shape[0] = count;
  A out = A::from_shape(shape);
  std::copy_n(a.data() + first * row, count * row, out.data());
  return out;
}

// Rows [first, first + count) of the global batch: rank r of N has first = r·B/N, count = B/N.
struct BatchShare {
  std::size_t first = 0, count = 0;
};

// This rank's share of a global batch of `batch` rows; CollectiveError (on every rank alike)
// when the ranks do not divide it.
BatchShare batch_share(std::size_t batch, const distributed::Communicator& ranks);

// A rank's mean loss over the `counted` targets of its rows, L_r, rescaled to
// L_r · N · counted / global_counted, so that the mean over the N ranks (what the Trainer
// averages) is the global batch's mean over all its `global_counted` targets — also when the
// ranks' rows hold different numbers of targets (padding). Unchanged on one rank.
Var<float> share_of_global_mean(const Var<float>& rank_mean, std::size_t counted,
                                std::size_t global_counted, const distributed::Communicator& ranks);

// A fingerprint of a model configuration as its checkpoint metadata writes it (key=value;…).
std::uint64_t fingerprint_metadata(const std::map<std::string, std::string>& metadata);

}  // namespace unroll::training
