// Truncated-BPTT batching as in char-rnn.
//
// The N training ids are cut into B contiguous streams of length L = ⌊(N − 1) / B⌋ (one id more
// is read for the last target). Window w of stream b holds
//   inputs  ids[b·L + o + w·T ..  + T)      targets the same shifted by one,
// so consecutive windows continue each stream and a stream's recurrent state carries over. An
// epoch is W = ⌊L / T⌋ windows; then it wraps. With B = 1 the first window is inputs ids[0..T)
// and targets ids[1..T]. With random offsets, every epoch after the first shifts all streams by
// one offset o ∈ [0, L − W·T] drawn from (seed, epoch), so a resumed run needs only
// (epoch, window) to continue exactly.
#pragma once

#include <cstdint>
#include <vector>

#include "framework/tensor.hpp"

namespace unroll {

struct Batch {
  IndexArray inputs;          // [B, T]
  IndexArray targets;         // [B, T]
  bool starts_epoch = false;  // the first window of an epoch: streams restart, states reset
};

struct StreamPosition {
  std::uint64_t epoch = 0;
  std::uint64_t window = 0;
};

class StreamBatcher {
 public:
  // ValueError when there are fewer than B·(T + 1) ids, or B or T is 0.
  StreamBatcher(std::vector<std::int64_t> ids, std::size_t batch, std::size_t steps,
                bool random_offsets = false, std::uint64_t seed = 1);

  Batch next();
  // The same into `batch`, reusing its arrays (no allocation once they have the right shape).
  void next(Batch& batch);
  // B windows of T at uniformly random starts in [0, N − T − 1], drawn from (seed, step) — the
  // sampling of the PyTorch reference loop; each window should start from a zero state
  // (starts_epoch is true). Deterministic in `step`, so a resumed run continues exactly.
  Batch random_windows(std::uint64_t step) const;
  void random_windows(std::uint64_t step, Batch& batch) const;
  std::size_t windows_per_epoch() const { return windows_; }
  StreamPosition position() const { return position_; }
  void seek(StreamPosition position);  // ValueError when window ≥ windows_per_epoch()

 private:
  std::size_t offset(std::uint64_t epoch) const;

  std::vector<std::int32_t> ids_;  // 32-bit: half the memory of the corpus
  std::size_t batch_, steps_, stream_length_, windows_;
  bool random_offsets_;
  std::uint64_t seed_;
  StreamPosition position_;
};

}  // namespace unroll
