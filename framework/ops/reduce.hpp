/// @file
/// Reductions over every element (to a 0-d scalar) or along one axis (negative axes count from the
/// end; keepdims leaves the axis with extent 1). Backward broadcasts dy back over what was reduced.
#pragma once

#include <cstddef>

#include "framework/tape.hpp"

namespace unroll {

/// y = Σ x.  x any shape → y [] (0-d).
/// dx += dy (broadcast to x's shape).
template <class T>
Var<T> sum(const Var<T>& x);
/// y = Σ_axis x.  x [..., n, ...] → y [..., ...], or [..., 1, ...] with keepdims.
/// dx += dy (broadcast along axis).
template <class T>
Var<T> sum(const Var<T>& x, std::ptrdiff_t axis, bool keepdims = false);

/// y = Σ x / N.  x any shape with N > 0 elements → y [] (0-d); ValueError when x is empty.
/// dx += dy / N.
template <class T>
Var<T> mean(const Var<T>& x);
/// y = Σ_axis x / n.  x [..., n, ...] with n > 0 → y as for sum; ValueError when n = 0.
/// dx += dy / n (broadcast along axis).
template <class T>
Var<T> mean(const Var<T>& x, std::ptrdiff_t axis, bool keepdims = false);

/// y = max x (NaN counts as maximal).  x any non-empty shape → y [] (0-d); ValueError when empty.
/// dx += dy at the first maximal element (in row-major order) only; ties get no gradient.
template <class T>
Var<T> max(const Var<T>& x);
/// y = max_axis x.  x [..., n, ...] with n > 0 → y as for sum; ValueError when n = 0.
/// dx += dy at the first maximal element of each lane along axis only.
template <class T>
Var<T> max(const Var<T>& x, std::ptrdiff_t axis, bool keepdims = false);

/// y = m + ln Σ_axis exp(x − m), m = max_axis x: stable for any magnitude; −∞ if n = 0 or all −∞.
/// Shapes as for sum.  dx += dy · exp(x − y).
template <class T>
Var<T> logsumexp(const Var<T>& x, std::ptrdiff_t axis, bool keepdims = false);

}  // namespace unroll
