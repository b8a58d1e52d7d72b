#include "framework/ops/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <xtensor/xadapt.hpp>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>

#include "framework/ops/op_support.hpp"

namespace unroll {
namespace {

// node.ints[0] of a reduction over every element; otherwise it holds the normalized axis.
constexpr std::int64_t kAll = -1;

// x viewed as [outer, n, inner] around the reduced axis (one lane of every element for kAll).
// Lane j (also the flat index of its result) holds the elements start(j) + k·inner, k < n.
struct Lanes {
  std::size_t outer, n, inner;
  std::size_t count() const { return outer * inner; }
  std::size_t start(std::size_t j) const { return j / inner * n * inner + j % inner; }
};

Lanes lanes(const Shape& s, std::int64_t axis) {
  if (axis == kAll) return {1, shape_size(s), 1};
  const auto a = static_cast<std::size_t>(axis);
  Lanes l{1, s[a], 1};
  for (std::size_t i = 0; i < a; ++i) l.outer *= s[i];
  for (std::size_t i = a + 1; i < s.size(); ++i) l.inner *= s[i];
  return l;
}

// The result's shape: [] for kAll, else x's shape without the axis (extent 1 with keepdims).
Shape reduced_shape(const Shape& s, std::int64_t axis, bool keepdims) {
  if (axis == kAll) return {};
  Shape out = s;
  if (keepdims)
    out[axis] = 1;
  else
    out.erase(out.begin() + axis);
  return out;
}

// x's shape with extent 1 on the reduced axes: the result's shape as it broadcasts against x.
Shape kept_shape(const Shape& s, std::int64_t axis) {
  Shape out = s;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (axis == kAll || static_cast<std::int64_t>(i) == axis) out[i] = 1;
  return out;
}

// out[j] = Σ of lane j: accumulated in double along contiguous lanes (rows, the whole array);
// for an inner axis, row by row over [outer, inner] so the loop runs over contiguous memory.
template <class T>
void sum_lanes(const T* x, T* out, const Lanes& l) {
  if (l.inner == 1) {
    for (std::size_t o = 0; o < l.outer; ++o) {
      double s = 0;
      for (std::size_t k = 0; k < l.n; ++k) s += x[o * l.n + k];
      out[o] = static_cast<T>(s);
    }
    return;
  }
  std::fill(out, out + l.count(), T(0));
  for (std::size_t o = 0; o < l.outer; ++o)
    for (std::size_t k = 0; k < l.n; ++k) {
      const T* row = x + (o * l.n + k) * l.inner;
      T* acc = out + o * l.inner;
      for (std::size_t i = 0; i < l.inner; ++i) acc[i] += row[i];
    }
}

// Sum and mean: y = scale · Σ x, scale in node.scalars[0].
template <class T>
void sum_backward(Node<T>& n) {
  const Shape& shape = n.input(0).value_shape();
  const auto dy = xt::adapt(n.grad.data(), kept_shape(shape, n.ints[0]));
  detail::accumulate(n.input(0), xt::broadcast(dy, shape) * static_cast<T>(n.scalars[0]));
}

template <class T>
Var<T> sum_impl(const char* name, const Var<T>& x, std::int64_t axis, bool keepdims, double scale) {
  Var<T> y = detail::make_result<T>(name, {&x}, sum_backward<T>, kNoValues);
  Node<T>& node = *y.node();
  node.value.resize(reduced_shape(x.shape(), axis, keepdims));
  sum_lanes(x.value().data(), node.value.data(), lanes(x.shape(), axis));
  if (scale != 1) node.value *= static_cast<T>(scale);
  node.ints.assign({axis});
  node.scalars[0] = scale;
  return y;
}

// Max: node.ints = {axis, index of the maximum within lane 0, lane 1, ...}.
template <class T>
void max_backward(Node<T>& n) {
  const Shape& shape = n.input(0).value_shape();
  const Lanes l = lanes(shape, n.ints[0]);
  Array<T> dx = xt::zeros<T>(shape);
  for (std::size_t j = 0; j < l.count(); ++j)
    dx.data()[l.start(j) + static_cast<std::size_t>(n.ints[j + 1]) * l.inner] = n.grad.data()[j];
  detail::accumulate(n.input(0), dx);
}

template <class T>
Var<T> max_impl(const Var<T>& x, std::int64_t axis, bool keepdims) {
  const Lanes l = lanes(x.shape(), axis);
  Var<T> y = detail::make_result<T>("max", {&x}, max_backward<T>, kNoValues);
  Node<T>& node = *y.node();
  node.value.resize(reduced_shape(x.shape(), axis, keepdims));
  node.ints.resize(l.count() + 1);
  node.ints[0] = axis;
  for (std::size_t j = 0; j < l.count(); ++j) {
    const T* lane = x.value().data() + l.start(j);
    T best = lane[0];
    std::size_t at = 0;
    for (std::size_t k = 1; k < l.n; ++k) {
      const T v = lane[k * l.inner];
      if (v > best || (std::isnan(v) && !std::isnan(best))) {
        best = v;
        at = k;
      }
    }
    node.value.data()[j] = best;
    node.ints[j + 1] = static_cast<std::int64_t>(at);
  }
  return y;
}

template <class T>
void logsumexp_backward(Node<T>& n) {
  const Array<T>& x = n.input_value(0);
  const Shape kept = kept_shape(x.shape(), n.ints[0]);
  const auto dy = xt::adapt(n.grad.data(), kept);
  const auto lse = xt::adapt(n.value.data(), kept);
  detail::accumulate(n.input(0), dy * xt::exp(x - lse));
}

}  // namespace

template <class T>
Var<T> sum(const Var<T>& x) {
  return sum_impl<T>("sum", x, kAll, false, 1.0);
}

template <class T>
Var<T> sum(const Var<T>& x, std::ptrdiff_t axis, bool keepdims) {
  return sum_impl<T>("sum", x, detail::normalize_axis("sum", axis, x.rank()), keepdims, 1.0);
}

template <class T>
Var<T> mean(const Var<T>& x) {
  if (x.size() == 0)
    throw ValueError(fmt::format("mean: the input {} is empty", shape_str(x.shape())));
  return sum_impl<T>("mean", x, kAll, false, 1.0 / static_cast<double>(x.size()));
}

template <class T>
Var<T> mean(const Var<T>& x, std::ptrdiff_t axis, bool keepdims) {
  const std::size_t a = detail::normalize_axis("mean", axis, x.rank());
  if (x.dim(a) == 0)
    throw ValueError(fmt::format("mean: axis {} of {} is empty", axis, shape_str(x.shape())));
  return sum_impl<T>("mean", x, a, keepdims, 1.0 / static_cast<double>(x.dim(a)));
}

template <class T>
Var<T> max(const Var<T>& x) {
  if (x.size() == 0)
    throw ValueError(fmt::format("max: the input {} is empty", shape_str(x.shape())));
  return max_impl(x, kAll, false);
}

template <class T>
Var<T> max(const Var<T>& x, std::ptrdiff_t axis, bool keepdims) {
  const std::size_t a = detail::normalize_axis("max", axis, x.rank());
  if (x.dim(a) == 0)
    throw ValueError(fmt::format("max: axis {} of {} is empty", axis, shape_str(x.shape())));
  return max_impl(x, a, keepdims);
}

template <class T>
Var<T> logsumexp(const Var<T>& x, std::ptrdiff_t axis, bool keepdims) {
  const std::int64_t a = detail::normalize_axis("logsumexp", axis, x.rank());
  const Lanes l = lanes(x.shape(), a);
  Var<T> y = detail::make_result<T>("logsumexp", {&x}, logsumexp_backward<T>,
                                    value_of_input(0) | kOutputValue);
  Node<T>& node = *y.node();
  node.value.resize(reduced_shape(x.shape(), a, keepdims));
  node.ints.assign({a});
  // Shift each lane by its max (by 0 when that is ±∞ or the lane is empty: the result is then
  // ±∞ by itself), exponentiate the whole array in one vectorized pass, sum the lanes.
  Array<T> e(x.shape());
  T* shift = node.value.data();
  for (std::size_t j = 0; j < l.count(); ++j) {
    const T* in = x.value().data() + l.start(j);
    T* out = e.data() + l.start(j);
    T m = -std::numeric_limits<T>::infinity();
    for (std::size_t k = 0; k < l.n; ++k) m = std::max(m, in[k * l.inner]);
    shift[j] = std::isfinite(m) ? m : T(0);
    for (std::size_t k = 0; k < l.n; ++k) out[k * l.inner] = in[k * l.inner] - shift[j];
  }
  xt::noalias(e) = xt::exp(e);
  for (std::size_t j = 0; j < l.count(); ++j) {
    const T* lane = e.data() + l.start(j);
    T s = 0;
    for (std::size_t k = 0; k < l.n; ++k) s += lane[k * l.inner];
    shift[j] += std::log(s);
  }
  return y;
}

#define UNROLL_INSTANTIATE(T)                                \
  template Var<T> sum(const Var<T>&);                        \
  template Var<T> sum(const Var<T>&, std::ptrdiff_t, bool);  \
  template Var<T> mean(const Var<T>&);                       \
  template Var<T> mean(const Var<T>&, std::ptrdiff_t, bool); \
  template Var<T> max(const Var<T>&);                        \
  template Var<T> max(const Var<T>&, std::ptrdiff_t, bool);  \
  template Var<T> logsumexp(const Var<T>&, std::ptrdiff_t, bool);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
