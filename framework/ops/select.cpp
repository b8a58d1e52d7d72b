#include "framework/ops/select.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <xtensor/xbroadcast.hpp>
#include <xtensor/xmath.hpp>

#include "framework/ops/op_support.hpp"

namespace unroll {
namespace {

// x viewed as [outer, n, inner] around `axis`. Lane j holds the elements start(j) + k·inner,
// k < n; an array of the same outer and inner with extent m on the axis has its lane j at
// start(j, m).
struct Lanes {
  std::size_t outer, n, inner;
  std::size_t count() const { return outer * inner; }
  std::size_t start(std::size_t j, std::size_t m) const {
    return j / inner * m * inner + j % inner;
  }
  std::size_t start(std::size_t j) const { return start(j, n); }
};

Lanes lanes(const Shape& s, std::size_t axis) {
  Lanes l{1, s[axis], 1};
  for (std::size_t i = 0; i < axis; ++i) l.outer *= s[i];
  for (std::size_t i = axis + 1; i < s.size(); ++i) l.inner *= s[i];
  return l;
}

// ShapeError naming `op` when the mask does not broadcast to `shape` (the values' shape).
void check_mask(const char* op, const Mask& mask, const Shape& shape) {
  const Shape ms(mask.shape().begin(), mask.shape().end());
  if (detail::broadcast_shapes(op, ms, shape) != shape)
    throw ShapeError(fmt::format("{}: mask {} does not broadcast to the values' shape {}", op,
                                 shape_str(ms), shape_str(shape)));
}

// Over the last axis: dx = y ⊙ (dy − Σ dy ⊙ y), skipping the positions where y = 0 (masked or
// underflowed, whose exact gradient is 0), so a non-finite dy there cannot reach the rest.
template <class T>
void masked_softmax_backward(Node<T>& n) {
  const std::size_t width = n.value.shape().back();
  const std::size_t rows = n.value.size() / std::max<std::size_t>(width, 1);
  Array<T> dx(n.value.shape());
  for (std::size_t r = 0; r < rows; ++r) {
    const T* y = n.value.data() + r * width;
    const T* dy = n.grad.data() + r * width;
    T* out = dx.data() + r * width;
    T dot = 0;
    for (std::size_t k = 0; k < width; ++k)
      if (y[k] != T(0)) dot += dy[k] * y[k];
    for (std::size_t k = 0; k < width; ++k) out[k] = y[k] != T(0) ? y[k] * (dy[k] - dot) : T(0);
  }
  detail::accumulate(n.input(0), dx);
}

// topk: node.ints holds the flat position in x of each selected element.
template <class T>
void topk_backward(Node<T>& n) {
  Node<T>& in = n.input(0);
  if (!in.requires_grad) return;
  Array<T> dx = Array<T>::from_shape(in.value_shape());
  dx.fill(T(0));
  for (std::size_t j = 0; j < n.ints.size(); ++j)
    dx.data()[static_cast<std::size_t>(n.ints[j])] += n.grad.data()[j];
  detail::accumulate(in, dx);
}

}  // namespace

Mask padding_mask(const std::vector<std::size_t>& lengths, std::size_t steps) {
  if (lengths.empty()) return Mask(Mask::shape_type{1, steps}, false);
  Mask m = Mask::from_shape({lengths.size(), steps});
  for (std::size_t b = 0; b < lengths.size(); ++b) {
    if (lengths[b] > steps)
      throw ValueError(fmt::format("padding_mask: length {} of row {} exceeds the {} steps",
                                   lengths[b], b, steps));
    for (std::size_t t = 0; t < steps; ++t) m.data()[b * steps + t] = t >= lengths[b];
  }
  return m;
}

template <class T>
Var<T> masked_fill(const Var<T>& x, const Mask& mask, Scalar<T> value) {
  check_mask("masked_fill", mask, x.shape());
  return unroll::where(mask, Var<T>(Array<T>(Shape{}, value)), x);
}

template <class T>
Var<T> masked_softmax(const Var<T>& x, const Mask& mask) {
  const Shape& shape = x.shape();
  if (shape.empty()) throw ShapeError("masked_softmax: x must be [..., S], got a scalar []");
  check_mask("masked_softmax", mask, shape);
  const bool same_shape =
      std::equal(mask.shape().begin(), mask.shape().end(), shape.begin(), shape.end());
  const Mask expanded = same_shape ? Mask() : Mask(xt::broadcast(mask, shape));
  const bool* masked = same_shape ? mask.data() : expanded.data();
  Var<T> y =
      detail::make_result<T>("masked_softmax", {&x}, masked_softmax_backward<T>, kOutputValue);
  Array<T>& v = y.node()->value;
  v.resize(shape);
  const std::size_t width = shape.back(), rows = x.size() / std::max<std::size_t>(width, 1);
  const T inf = std::numeric_limits<T>::infinity();
  // Shift each row's unmasked values by their max (masked ones become −∞), exponentiate the whole
  // array in one vectorized pass, then normalize over the unmasked ones and zero the masked ones.
  for (std::size_t r = 0; r < rows; ++r) {
    const T* in = x.value().data() + r * width;
    const bool* skip = masked + r * width;
    T* out = v.data() + r * width;
    T m = -inf;
    for (std::size_t k = 0; k < width; ++k)
      if (!skip[k]) m = std::max(m, in[k]);
    for (std::size_t k = 0; k < width; ++k) out[k] = skip[k] ? -inf : in[k] - m;
  }
  xt::noalias(v) = xt::exp(v);
  for (std::size_t r = 0; r < rows; ++r) {
    const bool* skip = masked + r * width;
    T* out = v.data() + r * width;
    T s = 0;  // the masked ones add exp(−∞) = 0
    for (std::size_t k = 0; k < width; ++k) s += out[k];
    const T inv = T(1) / s;  // unused when every position is masked
    for (std::size_t k = 0; k < width; ++k) out[k] = skip[k] ? T(0) : out[k] * inv;
  }
  return y;
}

template <class T>
IndexArray argmax(const Var<T>& x, std::ptrdiff_t axis) {
  const std::size_t a = detail::normalize_axis("argmax", axis, x.rank());
  if (x.dim(a) == 0)
    throw ValueError(fmt::format("argmax: axis {} of {} is empty", axis, shape_str(x.shape())));
  const Lanes l = lanes(x.shape(), a);
  Shape shape = x.shape();
  shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(a));
  IndexArray out = IndexArray::from_shape(shape);
  for (std::size_t j = 0; j < l.count(); ++j) {
    const T* lane = x.value().data() + l.start(j);
    std::size_t at = 0;
    for (std::size_t k = 1; k < l.n; ++k)
      if (detail::ranks_above(lane[k * l.inner], lane[at * l.inner])) at = k;
    out.data()[j] = static_cast<std::int64_t>(at);
  }
  return out;
}

template <class T>
TopK<T> topk(const Var<T>& x, std::size_t k, std::ptrdiff_t axis) {
  const std::size_t a = detail::normalize_axis("topk", axis, x.rank());
  if (k > x.dim(a))
    throw ValueError(fmt::format("topk: k = {} exceeds extent {} of axis {} in {}", k, x.dim(a), a,
                                 shape_str(x.shape())));
  const Lanes l = lanes(x.shape(), a);
  Shape shape = x.shape();
  shape[a] = k;
  TopK<T> result{detail::make_result<T>("topk", {&x}, topk_backward<T>, kNoValues),
                 IndexArray::from_shape(shape)};
  Node<T>& node = *result.values.node();
  node.value.resize(shape);
  if (node.requires_grad) node.ints.resize(node.value.size());
  std::vector<std::size_t> order(l.n);
  for (std::size_t j = 0; j < l.count(); ++j) {
    const std::size_t from = l.start(j), to = l.start(j, k);
    const T* lane = x.value().data() + from;
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](std::size_t p, std::size_t q) {
                        const T u = lane[p * l.inner], w = lane[q * l.inner];
                        return detail::ranks_above(u, w) || (!detail::ranks_above(w, u) && p < q);
                      });
    for (std::size_t r = 0; r < k; ++r) {
      const std::size_t o = to + r * l.inner;
      node.value.data()[o] = lane[order[r] * l.inner];
      result.indices.data()[o] = static_cast<std::int64_t>(order[r]);
      if (node.requires_grad) node.ints[o] = static_cast<std::int64_t>(from + order[r] * l.inner);
    }
  }
  return result;
}

#define UNROLL_INSTANTIATE(T)                                         \
  template Var<T> masked_fill(const Var<T>&, const Mask&, Scalar<T>); \
  template Var<T> masked_softmax(const Var<T>&, const Mask&);         \
  template IndexArray argmax(const Var<T>&, std::ptrdiff_t);          \
  template TopK<T> topk(const Var<T>&, std::size_t, std::ptrdiff_t);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
