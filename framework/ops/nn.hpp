/// @file
/// Neural-network ops: (log-)softmax, the losses and dropout. The softmax family subtracts each
/// lane's max first, so logits of any magnitude give finite results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>

#include "framework/tape.hpp"

namespace unroll {

/// y = exp(x − m) / Σ_axis exp(x − m), m = max_axis x.  y has x's shape.
/// dx += y ⊙ (dy − Σ_axis dy ⊙ y).
template <class T>
Var<T> softmax(const Var<T>& x, std::ptrdiff_t axis = -1);
/// y = x − m − ln Σ_axis exp(x − m), m = max_axis x.  y has x's shape.
/// dx += dy − softmax(x) ⊙ Σ_axis dy.
template <class T>
Var<T> log_softmax(const Var<T>& x, std::ptrdiff_t axis = -1);

/// L = mean over the targets t ≠ ignore_index of −log_softmax(logits)[..., t]; one fused node.
/// logits [..., C], targets [...] in [0, C) → L [].  dlogits += dL·(softmax − onehot(t)) / count on
/// kept rows, 0 on ignored rows. With every target ignored, L = 0 with a zero gradient (PyTorch
/// gives 0/0 = NaN): a fully padded batch is legitimate and must not poison a running loss.
template <class T>
Var<T> cross_entropy(const Var<T>& logits, const IndexArray& targets,
                     std::int64_t ignore_index = -100);

/// L = mean((a − b)²), composed of sub, mul and mean.  a, b of one shape (no broadcast) → L [].
/// da += 2(a − b)·dL / N, db −= the same (through the composed ops).
template <class T>
Var<T> mse(const Var<T>& a, const Var<T>& b);

/// Where a tensor's rows lie in a larger batch that is split over processes: x holds rows
/// [offset, offset + x.dim(axis)) of `total` along `axis` (total = 0: x is the whole batch).
struct BatchShard {
  std::size_t axis = 0;    ///< the batch axis of x
  std::size_t offset = 0;  ///< x's first row in the whole batch
  std::size_t total = 0;   ///< rows of the whole batch (0: x is the whole batch)
};

/// Training with p > 0: y = x ⊙ m, m = Bernoulli(1 − p) / (1 − p), one rng draw per two elements;
/// otherwise x itself (the same Var).  0 ≤ p < 1, checked in both modes.  dx += dy ⊙ m.
/// With a `shard`, m is the shard's rows of the mask the whole batch would draw, and `rng`
/// advances past the whole batch's draws: every process of a split batch keeps one stream, and
/// together they apply the masks one process would. ShapeError when the shard does not fit x.
template <class T>
Var<T> dropout(const Var<T>& x, double p, bool training, std::mt19937_64& rng,
               const BatchShard& shard = {});

}  // namespace unroll
