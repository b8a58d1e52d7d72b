/// @file
/// pointwise: one fused op for a whole elementwise function, its backward derived automatically.
///
///   auto [h, c] = pointwise<2>("lstm_cell",
///       [](auto i, auto f, auto g, auto o, auto c) {
///         auto c_next = sigmoid(f) * c + sigmoid(i) * tanh(g);
///         return std::array{sigmoid(o) * tanh(c_next), c_next};
///       },
///       parts<4>(gates), c_prev);
///
/// f is any captureless function of N numbers returning one number or std::array of K, written
/// with the functions of framework/dual.hpp. Inputs are Vars of shape [..., W], or parts<P>(v) for
/// v [..., P·W] read as P consecutive arguments (the gate blocks of a fused projection). The
/// input with the most rows sets the leading extents [...]; every other input has those same
/// extents, or is a single row ([W] or [1, …, 1, W]; [P·W] for parts), broadcast over the rows.
/// `name` may be built at run time: the node keeps an interned copy.
///   forward:  y_k[r, c] = f(x_1[r, c], …, x_N[r, c])_k, vectorized with xsimd, one pass over
///             memory, one node on the tape (K outputs: a [K, ..., W] node and K selects of it);
///   backward: f re-evaluated on dual numbers gives ∂y_k/∂x_j per element;
///             dx_j += Σ_k dy_k · ∂y_k/∂x_j  (summed over rows for a broadcast input).
/// Nothing is stored beyond the outputs: the backward recomputes from the inputs.
/// Errors: ShapeError naming the op and both shapes when an input does not fit the widest.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <xsimd/xsimd.hpp>

#include "framework/dual.hpp"
#include "framework/errors.hpp"
#include "framework/ops/shape.hpp"
#include "framework/parallel.hpp"
#include "framework/tape.hpp"

namespace unroll {

/// v [..., P·W] read as P arguments of a pointwise function: the blocks [..., pW : (p+1)W].
template <std::size_t P, class T>
struct Parts {
  Var<T> var;  ///< a handle (not a reference): parts<4>(linear(...)) may be kept in a variable
};
/// v read as P consecutive arguments of a pointwise function (see Parts).
template <std::size_t P, class T>
Parts<P, T> parts(const Var<T>& v) {
  static_assert(P >= 1, "parts<P>: P must be at least 1");
  return {v};
}

namespace pointwise_detail {

template <class A>
struct input_traits;
template <class T>
struct input_traits<Var<T>> {
  using value_type = T;
  static constexpr std::size_t parts = 1;
  static const Var<T>& var(const Var<T>& v) { return v; }
};
template <std::size_t P, class T>
struct input_traits<Parts<P, T>> {
  using value_type = T;
  static constexpr std::size_t parts = P;
  static const Var<T>& var(const Parts<P, T>& p) { return p.var; }
};

/// f's result as an array of K numbers.
template <class R>
struct result_traits {
  static constexpr std::size_t outputs = 1;
  static std::array<R, 1> as_array(const R& r) { return {r}; }
};
template <class R, std::size_t K>
struct result_traits<std::array<R, K>> {
  static constexpr std::size_t outputs = K;
  static const std::array<R, K>& as_array(const std::array<R, K>& r) { return r; }
};

/// Where argument j of f lives: element [r, c] is at base[r · row_stride + c].
template <class P>
struct Argument {
  P* base;
  std::size_t row_stride;  ///< 0 for an input broadcast over the rows
  bool overwrite = false;  ///< a gradient written for the first time: store, do not add
};

/// N arguments over `rows` rows of `width` columns.
template <class P, std::size_t N>
struct Layout {
  std::size_t rows, width;
  std::array<Argument<P>, N> args;
};

/// The arguments of inputs `vars` (input i holding parts[i] of them); base(i) is where input i's
/// data starts (nullptr: no data, e.g. no gradient wanted).
template <class P, std::size_t N, class Base>
Layout<P, N> layout_of(std::size_t rows, std::size_t width, std::size_t inputs,
                       const std::size_t* parts, const std::size_t* sizes, Base base) {
  Layout<P, N> layout{rows, width, {}};
  std::size_t j = 0;
  for (std::size_t i = 0; i < inputs; ++i) {
    const bool broadcast = rows != 1 && sizes[i] == parts[i] * width;
    P* start = base(i);
    for (std::size_t p = 0; p < parts[i]; ++p, ++j)
      layout.args[j] = {start == nullptr ? nullptr : start + p * width,
                        broadcast ? 0 : parts[i] * width};
  }
  return layout;
}

template <class S, std::size_t N, class F, std::size_t... I>
auto call(F& f, const std::array<Dual<S, N>, sizeof...(I)>& x, std::index_sequence<I...>) {
  return f(x[I]...);
}

/// Evaluates f on one vector (S = xsimd batch) or one element (S = T) at column c of row r,
/// with N tangents (0: values only; N: one unit tangent per argument).
template <class S, std::size_t D, class T, std::size_t N, class F>
auto evaluate(F& f, const Layout<const T, N>& layout, std::size_t r, std::size_t c) {
  std::array<Dual<S, D>, N> x;
  for (std::size_t j = 0; j < N; ++j) {
    const T* p = layout.args[j].base + r * layout.args[j].row_stride + c;
    if constexpr (std::is_arithmetic_v<S>) {
      x[j].v = *p;
    } else {
      x[j].v = S::load_unaligned(p);
    }
    for (std::size_t i = 0; i < D; ++i) x[j].d[i] = S(i == j ? T(1) : T(0));
  }
  using R = decltype(call(f, x, std::make_index_sequence<N>{}));
  return result_traits<R>::as_array(call(f, x, std::make_index_sequence<N>{}));
}

/// The number of results f returns on N arguments.
template <class T, std::size_t N, class F, std::size_t... I>
constexpr std::size_t outputs_of(std::index_sequence<I...>) {
  using R = decltype(std::declval<F&>()((static_cast<void>(I), std::declval<Dual<T, 0>>())...));
  return result_traits<R>::outputs;
}

template <class S, class T>
void store(const S& value, T* p) {
  if constexpr (std::is_arithmetic_v<S>) {
    *p = value;
  } else {
    value.store_unaligned(p);
  }
}

template <class S, class T>
S load(const T* p) {
  if constexpr (std::is_arithmetic_v<S>) {
    return *p;
  } else {
    return S::load_unaligned(p);
  }
}

/// y_k = f(x)_k over every element; out is [K, rows, width].
template <class T, std::size_t N, std::size_t K, class F>
void forward(F& f, const Layout<const T, N>& layout, T* out) {
  using Batch = xsimd::batch<T>;
  const std::size_t plane = layout.rows * layout.width;
  parallel_rows(layout.rows, plane, kParallelElements, [&](std::size_t r) {
    std::size_t c = 0;
    for (; c + Batch::size <= layout.width; c += Batch::size) {
      const auto y = evaluate<Batch, 0>(f, layout, r, c);
      for (std::size_t k = 0; k < K; ++k) store(y[k].v, out + k * plane + r * layout.width + c);
    }
    for (; c < layout.width; ++c) {
      const auto y = evaluate<T, 0>(f, layout, r, c);
      for (std::size_t k = 0; k < K; ++k) out[k * plane + r * layout.width + c] = y[k].v;
    }
  });
}

/// dx_j += Σ_k dy_k · ∂y_k/∂x_j over every element, for the arguments with a gradient buffer.
template <class S, class T, std::size_t N, std::size_t K, class F>
void backward_at(F& f, const Layout<const T, N>& layout, const Layout<T, N>& grads, const T* dy,
                 std::size_t r, std::size_t c) {
  const auto y = evaluate<S, N>(f, layout, r, c);
  const std::size_t plane = layout.rows * layout.width;
  std::array<S, K> g;
  for (std::size_t k = 0; k < K; ++k) g[k] = load<S>(dy + k * plane + r * layout.width + c);
  for (std::size_t j = 0; j < N; ++j) {
    const Argument<T>& dx = grads.args[j];
    if (dx.base == nullptr) continue;
    T* p = dx.base + r * dx.row_stride + c;
    S sum = g[0] * y[0].d[j];
    for (std::size_t k = 1; k < K; ++k) sum += g[k] * y[k].d[j];
    store(dx.overwrite ? sum : sum + load<S>(p), p);
  }
}

template <class T, std::size_t N, std::size_t K, class F>
void backward(F& f, const Layout<const T, N>& layout, const Layout<T, N>& grads, const T* dy) {
  using Batch = xsimd::batch<T>;
  // A broadcast input's gradient sums over the rows: every row adds into the same elements, so
  // the rows are then not split between threads.
  bool shared_gradient = false;
  for (const auto& dx : grads.args)
    shared_gradient = shared_gradient || (dx.base != nullptr && dx.row_stride == 0);
  const std::size_t elements = shared_gradient ? 0 : layout.rows * layout.width;
  parallel_rows(layout.rows, elements, kParallelElements, [&](std::size_t r) {
    std::size_t c = 0;
    for (; c + Batch::size <= layout.width; c += Batch::size)
      backward_at<Batch, T, N, K>(f, layout, grads, dy, r, c);
    for (; c < layout.width; ++c) backward_at<T, T, N, K>(f, layout, grads, dy, r, c);
  });
}

/// The backward of the node: node.ints = {rows, width, parts of input 0, parts of input 1, …}.
template <class T, std::size_t N, std::size_t K, class F>
void backward_node(Node<T>& node) {
  F f{};
  const std::size_t inputs = node.inputs.size();
  const auto rows = static_cast<std::size_t>(node.ints[0]);
  const auto width = static_cast<std::size_t>(node.ints[1]);
  std::array<std::size_t, N> parts{}, sizes{};  // at most N inputs
  std::array<bool, N> overwrite{};
  for (std::size_t i = 0; i < inputs; ++i) {
    parts[i] = static_cast<std::size_t>(node.ints[2 + i]);
    sizes[i] = node.input(i).value.size();
    Node<T>& in = node.input(i);
    if (!in.requires_grad || in.has_grad) continue;
    // A first gradient is stored, not added — unless the kernel writes an element twice: an input
    // broadcast over rows, or one passed more than once.
    bool repeated = sizes[i] != rows * width * parts[i];  // broadcast
    for (std::size_t k = 0; k < inputs; ++k)
      repeated = repeated || (k != i && &node.input(k) == &in);
    in.grad.resize(in.value_shape());
    if (repeated) in.grad.fill(T(0));
    overwrite[i] = !repeated;
    in.has_grad = true;
  }
  const auto values =
      layout_of<const T, N>(rows, width, inputs, parts.data(), sizes.data(),
                            [&](std::size_t i) -> const T* { return node.input(i).value.data(); });
  auto grads =
      layout_of<T, N>(rows, width, inputs, parts.data(), sizes.data(), [&](std::size_t i) -> T* {
        Node<T>& in = node.input(i);
        return in.requires_grad ? in.grad.data() : nullptr;
      });
  for (std::size_t i = 0, j = 0; i < inputs; ++i)
    for (std::size_t p = 0; p < parts[i]; ++p, ++j) grads.args[j].overwrite = overwrite[i];
  backward<T, N, K>(f, values, grads, node.grad.data());
}

/// Does an input of `shape` fit beside `widest` (the input with the most rows), with `last` as its
/// last extent: the same leading extents, or a single row of no higher rank?
bool fits(const Shape& shape, const Shape& widest, std::size_t last);

/// ShapeError: input `input` of op `name` has a last extent that is not a positive multiple of
/// its `parts`.
[[noreturn]] void throw_pointwise_width(const char* name, std::size_t input, const Shape& shape,
                                        std::size_t parts);
/// ShapeError: input `input` of op `name` has `shape`, which does not fit input `widest`'s.
[[noreturn]] void throw_pointwise_shape(const char* name, std::size_t input, const Shape& shape,
                                        std::size_t parts, std::size_t width, std::size_t widest,
                                        const Shape& widest_shape);

}  // namespace pointwise_detail

/// The fused op of f over `inputs` (Vars and Parts), K outputs: one Var, or std::array of K
/// (see the top of this file).
template <std::size_t K = 1, class F, class... Inputs>
auto pointwise(const char* name, F f, const Inputs&... inputs) {
  using T = std::common_type_t<typename pointwise_detail::input_traits<Inputs>::value_type...>;
  constexpr std::size_t N = (pointwise_detail::input_traits<Inputs>::parts + ...);
  static_assert(std::is_default_constructible_v<F>,
                "pointwise: the function must not capture anything (pass values as inputs)");
  static_assert(pointwise_detail::outputs_of<T, N, F>(std::make_index_sequence<N>{}) == K,
                "pointwise<K>: f must return K values (one number, or std::array of K)");
  constexpr std::size_t count = sizeof...(Inputs);
  const std::array<const Var<T>*, count> vars{
      &pointwise_detail::input_traits<Inputs>::var(inputs)...};
  const std::array<std::size_t, count> part_counts{
      pointwise_detail::input_traits<Inputs>::parts...};

  // Rows and width come from the input with the most rows (of those, the highest rank); the
  // others must have its leading extents or be a single row (broadcast).
  std::array<std::size_t, count> sizes{};
  std::size_t rows = 0, widest = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Shape& s = vars[i]->shape();
    sizes[i] = vars[i]->size();
    if (s.empty() || s.back() == 0 || s.back() % part_counts[i] != 0)
      pointwise_detail::throw_pointwise_width(name, i, s, part_counts[i]);
    const std::size_t r = sizes[i] / s.back();
    if (r > rows || (r == rows && s.size() > vars[widest]->rank())) rows = r, widest = i;
  }
  const Shape& widest_shape = vars[widest]->shape();
  const std::size_t width = widest_shape.back() / part_counts[widest];
  for (std::size_t i = 0; i < count; ++i)
    if (!pointwise_detail::fits(vars[i]->shape(), widest_shape, part_counts[i] * width))
      pointwise_detail::throw_pointwise_shape(name, i, vars[i]->shape(), part_counts[i], width,
                                              widest, widest_shape);

  // Backward recomputes from the inputs; its own result is never read again.
  Var<T> y =
      detail::make_result<T>(detail::intern_op_name(name), vars.data(), count,
                             &pointwise_detail::backward_node<T, N, K, F>, input_values(count));
  Node<T>& node = *y.node();
  if (node.requires_grad) {
    node.ints.assign({static_cast<std::int64_t>(rows), static_cast<std::int64_t>(width)});
    for (std::size_t p : part_counts) node.ints.push_back(static_cast<std::int64_t>(p));
  }
  const auto layout = pointwise_detail::layout_of<const T, N>(
      rows, width, count, part_counts.data(), sizes.data(),
      [&](std::size_t i) -> const T* { return vars[i]->value().data(); });
  const std::size_t lead = K > 1 ? 1 : 0;  // [..., W] (or [K, ..., W])
  Shape shape(widest_shape.size() + lead);
  if constexpr (K > 1) shape[0] = K;
  std::copy(widest_shape.begin(), widest_shape.end(), shape.begin() + lead);
  shape.back() = width;
  node.value.resize(shape);
  pointwise_detail::forward<T, N, K>(f, layout, node.value.data());
  if constexpr (K == 1) {
    return y;
  } else {
    std::array<Var<T>, K> outputs;
    for (std::size_t k = 0; k < K; ++k) outputs[k] = select(y, 0, k);
    return outputs;
  }
}

}  // namespace unroll
