/// @file
/// Ops over batch-first sequences x [B, T, ...] whose row b holds length_b valid steps followed by
/// padding. `lengths` has one entry per row; empty means every row has all T steps.
/// Errors: ShapeError when x has rank < 2 or lengths has not B entries; ValueError naming the op,
/// the row and T for a length above T, or of 0 where the op needs a valid step.
#pragma once

#include <cstddef>
#include <vector>

#include "framework/tape.hpp"

namespace unroll {

/// y[b, t] = x[b, length_b − 1 − t] for t < length_b, x[b, t] after (padding stays at the end).
/// x [B, T, ...] → y [B, T, ...];  dx += the same permutation of dy (it is its own inverse).
/// A length of 0 is allowed (the row is unchanged), as in recurrent's masks.
template <class T>
Var<T> reverse_sequence(const Var<T>& x, const std::vector<std::size_t>& lengths = {});

/// y[b] = Σ_{t < length_b} x[b, t] / length_b.  x [B, T, ...] → y [B, ...];
/// dx[b, t] += dy[b] / length_b for t < length_b.  Lengths in [1, T].
template <class T>
Var<T> mean_over_time(const Var<T>& x, const std::vector<std::size_t>& lengths = {});

/// y[b] = max_{t < length_b} x[b, t], elementwise (a padded step never wins; ties: the first step;
/// NaN is largest).  x [B, T, ...] → y [B, ...];  dx[b, t*] += dy[b] at the arg-max t* only.
/// Lengths in [1, T].
template <class T>
Var<T> max_over_time(const Var<T>& x, const std::vector<std::size_t>& lengths = {});

/// y[b] = x[b, length_b − 1], each row's last valid step.  x [B, T, ...] → y [B, ...];
/// dx[b, length_b − 1] += dy[b].  Lengths in [1, T].
template <class T>
Var<T> last_step(const Var<T>& x, const std::vector<std::size_t>& lengths = {});

}  // namespace unroll
