/// @file
/// Data-parallel gradients: after each rank's backward over its share of the global batch,
///   g ← (1/N) Σ_ranks g_rank
/// for every parameter, so every rank applies the same update — the gradient of the global
/// batch's mean loss when the ranks' shares are of equal size. As DDP and Horovod do, the
/// gradients travel in flat buckets (one allreduce per bucket, not per parameter): packed in
/// parameter order, each bucket's allreduce starts as soon as it is packed, while the next one
/// is packed.
#pragma once

#include <cstddef>
#include <vector>

#include "framework/distributed/communicator.hpp"
#include "framework/tape.hpp"

namespace unroll::distributed {

/// The gradients of a fixed list of parameters, averaged over a communicator's ranks (see the
/// top of this file).
class GradientAverager {
 public:
  /// Buckets of at most `bucket_elements` floats (4 MB by default; a parameter larger than
  /// that is a bucket of its own). `parameters` are listed alike on every rank.
  GradientAverager(Communicator& communicator, std::vector<Var<float>> parameters,
                   std::size_t bucket_elements = std::size_t{1} << 20);

  /// Every parameter's gradient ← its mean over the ranks (a rank that accumulated none counts
  /// zeros; a parameter no rank gave a gradient keeps none, so the optimizer skips it as one
  /// process does), and `loss` ← its mean too (the last bucket carries it and one has-gradient
  /// flag per parameter); on one process, nothing changes. Returns the mean loss.
  float average(float loss);
  /// Wall time of the last average(), packing and unpacking included (0 on one process).
  double last_seconds() const { return last_seconds_; }
  std::size_t buckets() const { return buckets_.size(); }  ///< (0 on one process)

 private:
  struct Bucket {
    std::size_t first = 0, last = 0;  // parameters [first, last)
    std::vector<float> values;  // their gradients, end to end (last bucket: + flags, the loss)
  };

  Communicator& communicator_;
  std::vector<Var<float>> parameters_;
  std::vector<Bucket> buckets_;
  double last_seconds_ = 0;
};

}  // namespace unroll::distributed
