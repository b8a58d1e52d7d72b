#include "framework/ops/nn.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <xtensor/xmath.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/op_support.hpp"
#include "framework/ops/reduce.hpp"

namespace unroll {
namespace {

// x viewed as [outer, n, inner] around the softmax axis (node.ints[0]). Lane j holds the elements
// start(j) + k·inner, k < n; over the last axis, lanes are contiguous rows.
struct Lanes {
  std::size_t outer, n, inner;
  std::size_t count() const { return outer * inner; }
  std::size_t start(std::size_t j) const { return j / inner * n * inner + j % inner; }
};

Lanes lanes(const Shape& s, std::size_t axis) {
  Lanes l{1, s[axis], 1};
  for (std::size_t i = 0; i < axis; ++i) l.outer *= s[i];
  for (std::size_t i = axis + 1; i < s.size(); ++i) l.inner *= s[i];
  return l;
}

// Reduces the lane x[k·stride], k < n, with op from init. A contiguous lane runs in eight
// independent chains, which the compiler vectorizes (a single chain waits on every step).
template <class T, class Op>
T lane_reduce(const T* x, std::size_t n, std::size_t stride, T init, Op op) {
  T acc[8];
  std::fill(acc, acc + 8, init);
  std::size_t k = 0;
  if (stride == 1)
    for (; k + 8 <= n; k += 8)
      for (std::size_t u = 0; u < 8; ++u) acc[u] = op(acc[u], x[k + u]);
  for (; k < n; ++k) acc[0] = op(acc[0], x[k * stride]);
  for (std::size_t u = 1; u < 8; ++u) acc[0] = op(acc[0], acc[u]);
  return acc[0];
}

// The max of a lane (NaN skipped; −∞ when empty) and its sum.
template <class T>
T lane_max(const T* x, std::size_t n, std::size_t stride) {
  return lane_reduce(x, n, stride, -std::numeric_limits<T>::infinity(),
                     [](T a, T b) { return std::max(a, b); });
}

template <class T>
T lane_sum(const T* x, std::size_t n, std::size_t stride) {
  return lane_reduce(x, n, stride, T(0), std::plus<T>());
}

// out = x − (max of x's lane), per lane.
template <class T>
void subtract_lane_max(const T* x, T* out, const Lanes& l) {
  for (std::size_t j = 0; j < l.count(); ++j) {
    const std::size_t o = l.start(j);
    const T m = lane_max(x + o, l.n, l.inner);
    for (std::size_t k = 0; k < l.n; ++k) out[o + k * l.inner] = x[o + k * l.inner] - m;
  }
}

template <class T>
void softmax_backward(Node<T>& n) {
  const Lanes l = lanes(n.value.shape(), n.ints[0]);
  const T* y = n.value.data();
  const T* dy = n.grad.data();
  Array<T> dx(n.value.shape());
  for (std::size_t j = 0; j < l.count(); ++j) {
    const std::size_t o = l.start(j);
    T dot = 0;
    for (std::size_t k = 0, i = o; k < l.n; ++k, i += l.inner) dot += dy[i] * y[i];
    for (std::size_t k = 0, i = o; k < l.n; ++k, i += l.inner) dx.data()[i] = y[i] * (dy[i] - dot);
  }
  detail::accumulate(n.input(0), dx);
}

// dx = dy − p·Σ dy per lane, with the probabilities p = e^y from the result y.
template <class T>
void log_softmax_backward(Node<T>& n) {
  const Lanes l = lanes(n.value.shape(), n.ints[0]);
  const T* dy = n.grad.data();
  Array<T> dx = xt::exp(n.value);  // p, overwritten element by element with dx
  for (std::size_t j = 0; j < l.count(); ++j) {
    const std::size_t o = l.start(j);
    const T total = lane_sum(dy + o, l.n, l.inner);
    for (std::size_t k = 0, i = o; k < l.n; ++k, i += l.inner)
      dx.data()[i] = dy[i] - dx.data()[i] * total;
  }
  detail::accumulate(n.input(0), dx);
}

// node.saved holds softmax(logits), node.ints the target of each row (−1 when ignored) and
// node.scalars[0] the number of kept rows.
template <class T>
void cross_entropy_backward(Node<T>& n) {
  const double count = n.scalars[0];
  if (count == 0) return;
  const T scale = static_cast<T>(*n.grad.data() / count);
  const std::size_t classes = n.saved.shape().back();
  Array<T> dx = n.saved * scale;
  for (std::size_t r = 0; r < n.ints.size(); ++r) {
    T* row = dx.data() + r * classes;
    if (n.ints[r] < 0)
      std::fill(row, row + classes, T(0));
    else
      row[n.ints[r]] -= scale;
  }
  detail::accumulate(n.input(0), dx);
}

// The multi-index of flat position `flat` in `shape`, as "[i,j]".
std::string position_str(std::size_t flat, const Shape& shape) {
  Shape index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = flat % shape[d];
    flat /= shape[d];
  }
  return shape_str(index);
}

}  // namespace

template <class T>
Var<T> softmax(const Var<T>& x, std::ptrdiff_t axis) {
  const std::size_t a = detail::normalize_axis("softmax", axis, x.rank());
  const Lanes l = lanes(x.shape(), a);
  Var<T> y = detail::make_result<T>("softmax", {&x}, softmax_backward<T>, kOutputValue);
  Node<T>& node = *y.node();
  Array<T>& v = node.value;
  v.resize(x.shape());
  subtract_lane_max(x.value().data(), v.data(), l);
  xt::noalias(v) = xt::exp(v);
  for (std::size_t j = 0; j < l.count(); ++j) {
    const std::size_t o = l.start(j);
    const T inv = T(1) / lane_sum(v.data() + o, l.n, l.inner);
    for (std::size_t k = 0, i = o; k < l.n; ++k, i += l.inner) v.data()[i] *= inv;
  }
  node.ints.assign({static_cast<std::int64_t>(a)});
  return y;
}

template <class T>
Var<T> log_softmax(const Var<T>& x, std::ptrdiff_t axis) {
  const std::size_t a = detail::normalize_axis("log_softmax", axis, x.rank());
  const Lanes l = lanes(x.shape(), a);
  Var<T> y = detail::make_result<T>("log_softmax", {&x}, log_softmax_backward<T>, kOutputValue);
  Node<T>& node = *y.node();
  Array<T>& v = node.value;
  v.resize(x.shape());
  subtract_lane_max(x.value().data(), v.data(), l);
  const Array<T> e = xt::exp(v);
  for (std::size_t j = 0; j < l.count(); ++j) {
    const std::size_t o = l.start(j);
    const T log_s = std::log(lane_sum(e.data() + o, l.n, l.inner));
    for (std::size_t k = 0, i = o; k < l.n; ++k, i += l.inner) v.data()[i] -= log_s;
  }
  node.ints.assign({static_cast<std::int64_t>(a)});
  return y;
}

template <class T>
Var<T> cross_entropy(const Var<T>& logits, const IndexArray& targets, std::int64_t ignore_index) {
  const Shape& shape = logits.shape();
  if (shape.empty()) throw ShapeError("cross_entropy: logits must be [..., C], got a scalar []");
  const Shape rows_shape(shape.begin(), shape.end() - 1);
  const Shape targets_shape(targets.shape().begin(), targets.shape().end());
  if (targets_shape != rows_shape)
    throw ShapeError(fmt::format("cross_entropy: targets {} do not match logits {} (expected {})",
                                 shape_str(targets_shape), shape_str(shape),
                                 shape_str(rows_shape)));
  const std::size_t rows = targets.size(), classes = shape.back();
  const auto C = static_cast<std::int64_t>(classes);
  std::size_t count = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int64_t t = targets.data()[r];
    if (t == ignore_index) continue;
    if (t < 0 || t >= C)
      throw IndexError(fmt::format(
          "cross_entropy: target {} at position {} is outside the classes [0, {}) of logits {}", t,
          position_str(r, targets_shape), C, shape_str(shape)));
    ++count;
  }

  Var<T> y =
      detail::make_result<T>("cross_entropy", {&logits}, cross_entropy_backward<T>, kNoValues);
  Node<T>& node = *y.node();
  Array<T>& p = node.saved;  // [rows, C]: shifted logits, then their exp, then softmax
  p.resize(shape);
  node.ints.resize(rows);
  double total = 0;  // Σ over kept rows of ln Σ exp(shifted) − shifted[t]
  const T* x = logits.value().data();
  for (std::size_t r = 0; r < rows; ++r) {
    const T* in = x + r * classes;
    T* out = p.data() + r * classes;
    const T m = lane_max(in, classes, 1);
    for (std::size_t k = 0; k < classes; ++k) out[k] = in[k] - m;
    const std::int64_t t = targets.data()[r];
    node.ints[r] = t == ignore_index ? -1 : t;
    if (t != ignore_index) total -= out[t];
  }
  xt::noalias(p) = xt::exp(p);
  for (std::size_t r = 0; r < rows; ++r) {
    T* row = p.data() + r * classes;
    const T s = lane_sum(row, classes, 1);
    if (node.ints[r] >= 0) total += std::log(s);
    if (node.requires_grad) {
      const T inv = T(1) / s;
      for (std::size_t k = 0; k < classes; ++k) row[k] *= inv;
    }
  }
  node.value.resize(Shape{});
  *node.value.data() = count == 0 ? T(0) : static_cast<T>(total / static_cast<double>(count));
  node.scalars[0] = static_cast<double>(count);
  return y;
}

template <class T>
Var<T> mse(const Var<T>& a, const Var<T>& b) {
  if (a.shape() != b.shape())
    throw ShapeError(fmt::format("mse: shapes {} and {} differ (mse does not broadcast)",
                                 shape_str(a.shape()), shape_str(b.shape())));
  const Var<T> d = sub(a, b);
  return mean(mul(d, d));
}

template <class T>
Var<T> dropout(const Var<T>& x, double p, bool training, std::mt19937_64& rng,
               const BatchShard& shard) {
  if (!(p >= 0 && p < 1))
    throw ValueError(fmt::format("dropout: probability {} is outside [0, 1)", p));
  const Shape& shape = x.shape();
  if (shard.total > 0 &&
      (shard.axis >= shape.size() || shard.offset + shape[shard.axis] > shard.total))
    throw ShapeError(fmt::format("dropout: rows [{}, {}) of {} along axis {} do not fit x {}",
                                 shard.offset,
                                 shard.offset + (shard.axis < shape.size() ? shape[shard.axis] : 0),
                                 shard.total, shard.axis, shape_str(shape)));
  if (!training || p == 0) return x;
  Var<T> y = detail::make_result<T>(
      "dropout", {&x}, [](Node<T>& n) { detail::accumulate(n.input(0), n.grad * n.saved); },
      kNoValues);
  Node<T>& node = *y.node();
  // Each 64-bit draw gives two 32-bit uniforms u; element g of the whole batch's mask (row-major)
  // takes half g mod 2 of draw ⌊g / 2⌋, and is kept when u ≥ p·2³².
  const auto threshold = static_cast<std::uint64_t>(std::llround(p * 4294967296.0));
  const T scale = static_cast<T>(1 / (1 - p));
  Array<T>& mask = node.saved;
  mask.resize(shape);
  // x as [outer, rows, inner] around the shard's axis; the whole batch is [outer, total, inner].
  const std::size_t axis = shard.total > 0 ? shard.axis : 0;
  std::size_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= shape[d];
  for (std::size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const std::size_t rows = shape.empty() ? 1 : shape[axis];
  const std::size_t total = shard.total > 0 ? shard.total : rows;
  const std::size_t offset = shard.total > 0 ? shard.offset : 0;
  std::uint64_t drawn = 0, bits = 0;      // draws taken so far; the last one
  auto draw = [&](std::uint64_t index) {  // draw `index` of the whole batch's stream
    if (index + 1 > drawn) {
      rng.discard(index - drawn);
      bits = rng();
      drawn = index + 1;
    }
    return bits;
  };
  T* m = mask.data();
  for (std::size_t o = 0; o < outer; ++o) {
    const std::uint64_t first = (o * total + offset) * inner;
    for (std::size_t i = 0; i < rows * inner; ++i) {
      const std::uint64_t g = first + i;
      const std::uint64_t u = g % 2 == 0 ? draw(g / 2) & 0xffffffffu : draw(g / 2) >> 32;
      *m++ = u >= threshold ? scale : T(0);
    }
  }
  rng.discard((outer * total * inner + 1) / 2 - drawn);
  xt::noalias(node.value) = x.value() * node.saved;
  return y;
}

#define UNROLL_INSTANTIATE(T)                                                    \
  template Var<T> softmax(const Var<T>&, std::ptrdiff_t);                        \
  template Var<T> log_softmax(const Var<T>&, std::ptrdiff_t);                    \
  template Var<T> cross_entropy(const Var<T>&, const IndexArray&, std::int64_t); \
  template Var<T> mse(const Var<T>&, const Var<T>&);                             \
  template Var<T> dropout(const Var<T>&, double, bool, std::mt19937_64&, const BatchShard&);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
