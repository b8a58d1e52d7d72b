// The adding problem (Hochreiter & Schmidhuber 1997, in the form of Le, Jaitly & Hinton 2015).
//
// Row b is a sequence of T steps with two channels: the value inputs[b, t, 0] ~ U[0, 1) and the
// marker inputs[b, t, 1], 1 at exactly two steps — t₁ uniform in [0, ⌊T/2⌋) and t₂ uniform in
// [⌊T/2⌋, T) — and 0 elsewhere. The target is targets[b, 0] = inputs[b, t₁, 0] + inputs[b, t₂, 0].
//   inputs [B, T, 2] (float), targets [B, 1] (float); scored with mse.
// Always predicting 1 scores E[(u₁ + u₂ − 1)²] = Var(u₁ + u₂) = 1/6 ≈ 0.167, the baseline.
#pragma once

#include <cstdint>
#include <string>

#include "models/tasks/sequence_batch.hpp"

namespace unroll::tasks {

class Adding {
 public:
  // ValueError when length < 2 (each half needs a step for its marker).
  Adding(std::size_t length, std::uint64_t seed);

  // Rows drawn from batch_rng(seed, index) (random.hpp); ValueError when batch_size is 0.
  SequenceBatch batch(std::size_t batch_size, std::uint64_t index) const;

  std::string name() const { return "adding"; }
  std::size_t length() const { return length_; }  // T
  std::size_t input_size() const { return 2; }
  std::size_t output_size() const { return 1; }
  static double baseline_mse() { return 1.0 / 6.0; }

 private:
  std::size_t length_;
  std::uint64_t seed_;
};

}  // namespace unroll::tasks
