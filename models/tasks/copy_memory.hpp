// Copy memory (Arjovsky, Shah & Bengio 2016). Symbols: 0 blank, 1..8 data, 9 delimiter.
//
// Row b, of length T + 20, with d₁ … d₁₀ drawn uniformly from 1..8:
//   input_ids   d₁ … d₁₀, T − 1 blanks, the delimiter (at step T + 9), 10 blanks
//   target_ids  T + 10 blanks, d₁ … d₁₀
//   input_ids [B, T + 20], target_ids [B, T + 20]; logits [B, T + 20, 10] scored by cross_entropy.
// The memoryless baseline — blank for sure on the first T + 10 steps, then uniform over the 8 data
// symbols — has cross-entropy 10·ln 8 / (T + 20).
#pragma once

#include <cstdint>
#include <string>

#include "framework/tape.hpp"
#include "models/tasks/sequence_batch.hpp"

namespace unroll::tasks {

class CopyMemory {
 public:
  static constexpr std::int64_t kBlank = 0, kDelimiter = 9;
  static constexpr std::size_t kDataSymbols = 8;  // ids 1..8
  static constexpr std::size_t kRecalled = 10;    // symbols to remember

  // ValueError when delay (T) is 0: the delimiter follows T − 1 blanks.
  CopyMemory(std::size_t delay, std::uint64_t seed);

  // Rows drawn from batch_rng(seed, index) (random.hpp); ValueError when batch_size is 0.
  SequenceBatch batch(std::size_t batch_size, std::uint64_t index) const;

  // The fraction of the last 10 steps of all rows whose argmax over logits [B, T + 20, 10] (ties
  // to the lowest id) equals target_ids [B, T + 20]; ShapeError for other shapes.
  double recall_accuracy(const Var<float>& logits, const IndexArray& target_ids) const;

  std::string name() const { return "copy_memory"; }
  std::size_t delay() const { return delay_; }                   // T
  std::size_t length() const { return delay_ + 2 * kRecalled; }  // T + 20
  std::size_t vocabulary() const { return kDataSymbols + 2; }    // 10
  std::size_t output_size() const { return vocabulary(); }
  double baseline_cross_entropy() const;

 private:
  std::size_t delay_;
  std::uint64_t seed_;
};

}  // namespace unroll::tasks
