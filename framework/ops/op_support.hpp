/// @file
/// What every op implementation needs: gradient accumulation (undoing broadcasting) and shape
/// checks. Included by the ops' .cpp files only, never by users.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <xtensor/xarray.hpp>
#include <xtensor/xnoalias.hpp>
#include <xtensor/xreducer.hpp>

#include "framework/errors.hpp"
#include "framework/tape.hpp"

namespace unroll::detail {

/// NumPy broadcasting of two shapes; ShapeError naming `op` when they do not broadcast.
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

/// Sum `g` (shape broadcast from `target`) down to `target`: leading extra axes and axes where
/// target has extent 1 are summed away.
template <class T>
Array<T> reduce_to_shape(const Array<T>& g, const Shape& target);

/// target.grad += g, where g has target's shape. First contribution assigns (no zero fill).
template <class T, class E>
void accumulate(Node<T>& target, E&& g) {
  if (!target.requires_grad) return;
  if (target.has_grad) {
    xt::noalias(target.grad) += std::forward<E>(g);
  } else {
    target.grad.resize(target.value_shape());
    xt::noalias(target.grad) = std::forward<E>(g);
    target.has_grad = true;
  }
}

/// target.grad += g, where g has a shape broadcast from target's (reduced back first).
template <class T, class E>
void accumulate_broadcast(Node<T>& target, E&& g) {
  if (!target.requires_grad) return;
  if (xt::has_shape(g, target.value_shape())) {
    accumulate(target, std::forward<E>(g));
  } else {
    Array<T> full = std::forward<E>(g);
    accumulate(target, reduce_to_shape(full, target.value_shape()));
  }
}

/// a > b, with NaN above every number: the order of max_over_time, argmax and topk.
template <class T>
bool ranks_above(T a, T b) {
  return a > b || (std::isnan(a) && !std::isnan(b));
}

/// Normalise a possibly negative axis against `rank`; ValueError naming `op` when out of range.
std::size_t normalize_axis(const char* op, std::ptrdiff_t axis, std::size_t rank);

}  // namespace unroll::detail
