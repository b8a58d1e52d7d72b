#include "framework/ops/sequence.hpp"

#include <algorithm>

#include "framework/ops/op_support.hpp"

namespace unroll {
namespace {

// x [B, T, ...] seen as [batch, steps, width], width the product of the trailing extents: step t
// of row b is the `width` elements at (b·steps + t)·width.
struct Steps {
  std::size_t batch, steps, width;
  std::size_t at(std::size_t b, std::size_t t) const { return (b * steps + t) * width; }
};

Steps steps_of(const Shape& x) {
  std::size_t width = 1;
  for (std::size_t i = 2; i < x.size(); ++i) width *= x[i];
  return {x[0], x[1], width};
}

// x's layout, after checking its rank and `lengths` for `op`; lengths must be ≥ `min_length`.
Steps check_sequence(const char* op, const Shape& x, const std::vector<std::size_t>& lengths,
                     std::size_t min_length) {
  if (x.size() < 2)
    throw ShapeError(fmt::format("{}: x must be [B, T, ...], got {}", op, shape_str(x)));
  const Steps s = steps_of(x);
  if (!lengths.empty() && lengths.size() != s.batch)
    throw ShapeError(fmt::format("{}: {} lengths for x {} with a batch of {}", op, lengths.size(),
                                 shape_str(x), s.batch));
  if (lengths.empty() && s.steps < min_length)
    throw ValueError(fmt::format("{}: x {} has no steps", op, shape_str(x)));
  for (std::size_t b = 0; b < lengths.size(); ++b)
    if (lengths[b] < min_length || lengths[b] > s.steps)
      throw ValueError(fmt::format("{}: length {} of row {} is outside [{}, {}] for x {}", op,
                                   lengths[b], b, min_length, s.steps, shape_str(x)));
  return s;
}

// node.ints = each row's length (all `steps` when lengths is empty).
template <class T>
void store_lengths(Node<T>& node, const std::vector<std::size_t>& lengths, const Steps& s) {
  if (lengths.empty())
    node.ints.assign(s.batch, static_cast<std::int64_t>(s.steps));
  else
    node.ints.assign(lengths.begin(), lengths.end());
}

// x's shape without the time axis: [B, ...].
Shape pooled_shape(const Shape& x) {
  Shape out = x;
  out.erase(out.begin() + 1);
  return out;
}

// dst = src with each row's first length_b steps reversed (lengths from ints).
template <class T>
void reverse_rows(const T* src, T* dst, const Steps& s, const std::int64_t* lengths) {
  for (std::size_t b = 0; b < s.batch; ++b) {
    const auto length = static_cast<std::size_t>(lengths[b]);
    for (std::size_t t = 0; t < s.steps; ++t) {
      const std::size_t from = t < length ? length - 1 - t : t;
      std::copy_n(src + s.at(b, from), s.width, dst + s.at(b, t));
    }
  }
}

template <class T>
void reverse_sequence_backward(Node<T>& n) {
  Node<T>& in = n.input(0);
  if (!in.requires_grad) return;
  Array<T> dx = Array<T>::from_shape(n.grad.shape());
  reverse_rows(n.grad.data(), dx.data(), steps_of(n.input(0).value_shape()), n.ints.data());
  detail::accumulate(in, dx);
}

template <class T>
void mean_over_time_backward(Node<T>& n) {
  Node<T>& in = n.input(0);
  if (!in.requires_grad) return;
  const Steps s = steps_of(n.input(0).value_shape());
  Array<T> dx = Array<T>::from_shape(in.value_shape());
  for (std::size_t b = 0; b < s.batch; ++b) {
    const auto length = static_cast<std::size_t>(n.ints[b]);
    const T scale = T(1) / static_cast<T>(length);
    const T* dy = n.grad.data() + b * s.width;
    for (std::size_t t = 0; t < s.steps; ++t) {
      T* row = dx.data() + s.at(b, t);
      for (std::size_t f = 0; f < s.width; ++f) row[f] = t < length ? dy[f] * scale : T(0);
    }
  }
  detail::accumulate(in, dx);
}

// dx[b, step(b, f), f] = dy[b, f], zero elsewhere: the backward of max_over_time and last_step.
template <class T, class Step>
void scatter_steps(Node<T>& n, Step step) {
  Node<T>& in = n.input(0);
  if (!in.requires_grad) return;
  const Steps s = steps_of(in.value_shape());
  Array<T> dx = Array<T>::from_shape(in.value_shape());
  dx.fill(T(0));
  for (std::size_t b = 0; b < s.batch; ++b) {
    const T* dy = n.grad.data() + b * s.width;
    for (std::size_t f = 0; f < s.width; ++f) dx.data()[s.at(b, step(b, f, s.width)) + f] = dy[f];
  }
  detail::accumulate(in, dx);
}

// node.ints: the arg-max step of each output element [B, width].
template <class T>
void max_over_time_backward(Node<T>& n) {
  scatter_steps(n, [&n](std::size_t b, std::size_t f, std::size_t width) {
    return static_cast<std::size_t>(n.ints[b * width + f]);
  });
}

// node.ints: the lengths.
template <class T>
void last_step_backward(Node<T>& n) {
  scatter_steps(n, [&n](std::size_t b, std::size_t, std::size_t) {
    return static_cast<std::size_t>(n.ints[b]) - 1;
  });
}

}  // namespace

template <class T>
Var<T> reverse_sequence(const Var<T>& x, const std::vector<std::size_t>& lengths) {
  const Steps s = check_sequence("reverse_sequence", x.shape(), lengths, 0);
  Var<T> y =
      detail::make_result<T>("reverse_sequence", {&x}, reverse_sequence_backward<T>, kNoValues);
  Node<T>& node = *y.node();
  store_lengths(node, lengths, s);
  node.value.resize(x.shape());
  reverse_rows(x.value().data(), node.value.data(), s, node.ints.data());
  return y;
}

template <class T>
Var<T> mean_over_time(const Var<T>& x, const std::vector<std::size_t>& lengths) {
  const Steps s = check_sequence("mean_over_time", x.shape(), lengths, 1);
  Var<T> y = detail::make_result<T>("mean_over_time", {&x}, mean_over_time_backward<T>, kNoValues);
  Node<T>& node = *y.node();
  store_lengths(node, lengths, s);
  node.value.resize(pooled_shape(x.shape()));
  for (std::size_t b = 0; b < s.batch; ++b) {
    const auto length = static_cast<std::size_t>(node.ints[b]);
    T* out = node.value.data() + b * s.width;
    std::fill(out, out + s.width, T(0));
    for (std::size_t t = 0; t < length; ++t) {
      const T* row = x.value().data() + s.at(b, t);
      for (std::size_t f = 0; f < s.width; ++f) out[f] += row[f];
    }
    const T scale = T(1) / static_cast<T>(length);
    for (std::size_t f = 0; f < s.width; ++f) out[f] *= scale;
  }
  return y;
}

template <class T>
Var<T> max_over_time(const Var<T>& x, const std::vector<std::size_t>& lengths) {
  const Steps s = check_sequence("max_over_time", x.shape(), lengths, 1);
  Var<T> y = detail::make_result<T>("max_over_time", {&x}, max_over_time_backward<T>, kNoValues);
  Node<T>& node = *y.node();
  node.value.resize(pooled_shape(x.shape()));
  node.ints.assign(s.batch * s.width, 0);  // the arg-max step of each output element
  for (std::size_t b = 0; b < s.batch; ++b) {
    const std::size_t length = lengths.empty() ? s.steps : lengths[b];
    T* best = node.value.data() + b * s.width;
    std::int64_t* at = node.ints.data() + b * s.width;
    std::copy_n(x.value().data() + s.at(b, 0), s.width, best);
    for (std::size_t t = 1; t < length; ++t) {
      const T* row = x.value().data() + s.at(b, t);
      for (std::size_t f = 0; f < s.width; ++f)
        if (detail::ranks_above(row[f], best[f])) {
          best[f] = row[f];
          at[f] = static_cast<std::int64_t>(t);
        }
    }
  }
  return y;
}

template <class T>
Var<T> last_step(const Var<T>& x, const std::vector<std::size_t>& lengths) {
  const Steps s = check_sequence("last_step", x.shape(), lengths, 1);
  Var<T> y = detail::make_result<T>("last_step", {&x}, last_step_backward<T>, kNoValues);
  Node<T>& node = *y.node();
  store_lengths(node, lengths, s);
  node.value.resize(pooled_shape(x.shape()));
  for (std::size_t b = 0; b < s.batch; ++b)
    std::copy_n(x.value().data() + s.at(b, static_cast<std::size_t>(node.ints[b]) - 1), s.width,
                node.value.data() + b * s.width);
  return y;
}

#define UNROLL_INSTANTIATE(T)                                                       \
  template Var<T> reverse_sequence(const Var<T>&, const std::vector<std::size_t>&); \
  template Var<T> mean_over_time(const Var<T>&, const std::vector<std::size_t>&);   \
  template Var<T> max_over_time(const Var<T>&, const std::vector<std::size_t>&);    \
  template Var<T> last_step(const Var<T>&, const std::vector<std::size_t>&);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
