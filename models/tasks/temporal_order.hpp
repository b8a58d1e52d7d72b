// Temporal order (Hochreiter & Schmidhuber 1997, as Pascanu, Mikolov & Bengio 2013 use it).
// Symbols: 0..3 the distractors a–d, 4 = X, 5 = Y.
//
// Row b is T symbols, each a distractor drawn uniformly, except two relevant symbols, each X or
// Y with probability 1/2: the first at t₁ uniform in [⌊T/10⌋, ⌊2T/10⌋), the second at t₂ uniform
// in [⌊5T/10⌋, ⌊6T/10⌋). The class is their order, 2·[first is Y] + [second is Y]:
// 0 XX, 1 XY, 2 YX, 3 YY.
//   input_ids [B, T], target_ids [B]; logits [B, 4] scored by cross_entropy.
// The classes are equally likely, so the baseline (uniform prediction) has cross-entropy ln 4.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>

#include "models/tasks/sequence_batch.hpp"

namespace unroll::tasks {

class TemporalOrder {
 public:
  static constexpr std::int64_t kDistractors = 4, kX = 4, kY = 5;

  struct Window {
    std::size_t begin, end;  // the steps [begin, end)
  };

  // ValueError when length < 10 (the windows would be empty).
  TemporalOrder(std::size_t length, std::uint64_t seed);

  // Rows drawn from batch_rng(seed, index) (random.hpp); ValueError when batch_size is 0.
  SequenceBatch batch(std::size_t batch_size, std::uint64_t index) const;

  std::string name() const { return "temporal_order"; }
  std::size_t length() const { return length_; }  // T
  std::size_t vocabulary() const { return 6; }
  std::size_t output_size() const { return 4; }
  Window first_window() const { return {length_ / 10, 2 * length_ / 10}; }
  Window second_window() const { return {5 * length_ / 10, 6 * length_ / 10}; }
  static double baseline_cross_entropy() { return std::log(4.0); }

 private:
  std::size_t length_;
  std::uint64_t seed_;
};

}  // namespace unroll::tasks
