/// @file
/// Masks and indices: padding masks from lengths, masked_fill, masked_softmax, argmax, topk.
/// A Mask is a run-time bool array; true marks a position to mask out (padding), as PyTorch's
/// masked_fill and key_padding_mask do. A mask broadcasts against the values like NumPy, and its
/// shape must broadcast to theirs (ShapeError naming the op and both shapes otherwise). For a
/// select that keeps the true side, see where(cond, a, b) in elementwise.hpp (its cond is a Mask).
/// Ties in argmax and topk go to the lowest index; NaN counts as the largest value (as max does).
#pragma once

#include <cstddef>
#include <vector>

#include "framework/ops/elementwise.hpp"
#include "framework/tape.hpp"

namespace unroll {

using Mask = xt::xarray<bool>;  ///< a boolean array, as where() and masked ops take it

/// m[b, t] = (t ≥ length_b): true on the padded steps.  lengths [B] → m [B, steps]; no lengths →
/// [1, steps] of false (nothing padded).  ValueError naming the row when a length exceeds steps.
Mask padding_mask(const std::vector<std::size_t>& lengths, std::size_t steps);

/// y = mask ? value : x, composed of where (a constant fill: no gradient into value).
/// x [...], mask broadcasting to x → y [...];  dx += [¬mask]·dy.
template <class T>
Var<T> masked_fill(const Var<T>& x, const Mask& mask, Scalar<T> value);

/// y = softmax over the last axis of the unmasked positions, exactly 0 at masked ones (their x is
/// never read: NaN there is harmless); a row with every position masked is all 0, with dx = 0.
/// x [..., S], mask broadcasting to x → y [..., S];  dx += y ⊙ (dy − Σ dy ⊙ y) on unmasked ones.
template <class T>
Var<T> masked_softmax(const Var<T>& x, const Mask& mask);

/// i = the index of the largest element along axis (the first when tied; NaN is largest).
/// x [..., n, ...] with n > 0 → i [..., ...] (axis removed); no gradient.  ValueError when n = 0.
template <class T>
IndexArray argmax(const Var<T>& x, std::ptrdiff_t axis);

/// The k largest elements along axis, largest first (ties: the lower index first; NaN largest).
template <class T>
struct TopK {
  Var<T> values;       ///< x [..., n, ...] → [..., k, ...];  dx[indices] += dvalues (a gather)
  IndexArray indices;  ///< [..., k, ...]: their positions along axis, no gradient
};
/// ValueError when k > n.
template <class T>
TopK<T> topk(const Var<T>& x, std::size_t k, std::ptrdiff_t axis = -1);

}  // namespace unroll
