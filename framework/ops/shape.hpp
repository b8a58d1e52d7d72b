/// @file
/// Shape ops: reshape, permute, slice, split, join, gather. Every result is a dense copy; backward
/// adds dy into the matching elements of dx. Axes may be negative (counted from the end).
/// Errors: ShapeError when shapes do not fit, ValueError for a bad axis or permutation, IndexError
/// for an id out of range.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <vector>

#include "framework/tape.hpp"

namespace unroll {

/// y = x's elements in row-major order, laid out as `shape` (one extent may be −1: inferred).
/// x [...] → y [shape] of the same size;  dx += dy laid out as x.
template <class T>
Var<T> reshape(const Var<T>& x, const std::vector<std::ptrdiff_t>& shape);

/// y = x with its last two axes swapped (rank ≥ 2).
/// x [..., M, N] → y [..., N, M];  dx += dy with its last two axes swapped back.
template <class T>
Var<T> transpose(const Var<T>& x);
/// y axis i = x axis perm[i].  x [d0, ..., dr−1] → y [d_perm[0], ..., d_perm[r−1]];
/// dx += dy permuted back.  ShapeError when perm's length is not x's rank, ValueError otherwise.
template <class T>
Var<T> permute(const Var<T>& x, const std::vector<std::size_t>& perm);

/// y = x[..., start : start + length, ...] along `axis`.  x [..., D, ...] → y [..., length, ...];
/// dx[..., start : start + length, ...] += dy.  ShapeError when the slice exceeds D.
template <class T>
Var<T> narrow(const Var<T>& x, std::ptrdiff_t axis, std::size_t start, std::size_t length);
/// y = x[..., index, ...]: the slice at `index` along `axis`, that axis removed (x_t of a
/// sequence).  x [..., D, ...] → y [...];  dx[..., index, ...] += dy.  IndexError when index ≥ D.
template <class T>
Var<T> select(const Var<T>& x, std::ptrdiff_t axis, std::size_t index);
/// Consecutive narrows of x along `axis` with extents `sizes`, which must sum to the extent D.
/// x [..., D, ...] → [..., sizes[k], ...] each;  each piece's dy adds into its part of dx.
template <class T>
std::vector<Var<T>> split(const Var<T>& x, std::ptrdiff_t axis,
                          const std::vector<std::size_t>& sizes);
/// split into `chunks` equal parts along `axis`; ShapeError when D is not divisible by chunks.
/// x [..., D, ...] → chunks × [..., D / chunks, ...];  each piece's dy adds into its part of dx.
template <class T>
std::vector<Var<T>> chunk(const Var<T>& x, std::size_t chunks, std::ptrdiff_t axis);

/// y = xs[0], xs[1], ... joined along an existing `axis`; other extents must match.
/// [..., D_k, ...] each → y [..., Σ D_k, ...];  dxs[k] += dy's part k along the axis.
template <class T>
Var<T> concat(const std::vector<Var<T>>& xs, std::ptrdiff_t axis);
/// y = xs[0], xs[1], ... joined along a new `axis` (0 … rank); all shapes must be equal.
/// K × [...] → y with extent K inserted at axis;  dxs[k] += dy at index k of that axis.
template <class T>
Var<T> stack(const std::vector<Var<T>>& xs, std::ptrdiff_t axis);

///@{
/// The same with a braced list: concat({a, b}, 1), stack({h0, h1}, 0).
template <class T>
Var<T> concat(std::initializer_list<Var<T>> xs, std::ptrdiff_t axis) {
  return concat(std::vector<Var<T>>(xs), axis);
}
template <class T>
Var<T> stack(std::initializer_list<Var<T>> xs, std::ptrdiff_t axis) {
  return stack(std::vector<Var<T>>(xs), axis);
}
///@}

/// y[i..., :] = table[ids[i...], :] (an embedding lookup).  table [V, E], ids [...] → y [..., E];
/// dtable[ids[i...], :] += dy[i..., :] (repeated ids accumulate).  IndexError for an id ∉ [0, V).
template <class T>
Var<T> gather_rows(const Var<T>& table, const IndexArray& ids);

/// y[i..., k] = [ids[i...] = k], a constant (no gradient); T is explicit: one_hot<float>(ids, 65).
/// ids [...] → y [..., depth].  IndexError for an id ∉ [0, depth).
template <class T>
Var<T> one_hot(const IndexArray& ids, std::size_t depth);

}  // namespace unroll
