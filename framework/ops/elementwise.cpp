#include "framework/ops/elementwise.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xoperation.hpp>

#include "framework/ops/op_support.hpp"

namespace unroll {
namespace {

// The result of a unary op: y = forward(x), recorded with `backward`, which reads `needs`.
template <class T, class F>
Var<T> unary(const char* name, const Var<T>& x, F&& forward, BackwardFn<T> backward,
             ValueNeeds needs) {
  Var<T> y = detail::make_result<T>(name, {&x}, backward, needs);
  xt::noalias(y.node()->value) = forward(x.value());
  return y;
}

// The result of a binary broadcasting op: y = forward(a, b).
template <class T, class F>
Var<T> binary(const char* name, const Var<T>& a, const Var<T>& b, F&& forward,
              BackwardFn<T> backward, ValueNeeds needs) {
  detail::broadcast_shapes(name, a.shape(), b.shape());
  Var<T> y = detail::make_result<T>(name, {&a, &b}, backward, needs);
  xt::noalias(y.node()->value) = forward(a.value(), b.value());
  return y;
}

}  // namespace

template <class T>
Var<T> add(const Var<T>& a, const Var<T>& b) {
  return binary<T>(
      "add", a, b, [](const auto& x, const auto& y) { return x + y; },
      [](Node<T>& n) {
        detail::accumulate_broadcast(n.input(0), n.grad);
        detail::accumulate_broadcast(n.input(1), n.grad);
      },
      kNoValues);
}

template <class T>
Var<T> sub(const Var<T>& a, const Var<T>& b) {
  return binary<T>(
      "sub", a, b, [](const auto& x, const auto& y) { return x - y; },
      [](Node<T>& n) {
        detail::accumulate_broadcast(n.input(0), n.grad);
        detail::accumulate_broadcast(n.input(1), -n.grad);
      },
      kNoValues);
}

template <class T>
Var<T> mul(const Var<T>& a, const Var<T>& b) {
  return binary<T>(
      "mul", a, b, [](const auto& x, const auto& y) { return x * y; },
      [](Node<T>& n) {
        detail::accumulate_broadcast(n.input(0), n.grad * n.input_value(1));
        detail::accumulate_broadcast(n.input(1), n.grad * n.input_value(0));
      },
      input_values(2));
}

template <class T>
Var<T> div(const Var<T>& a, const Var<T>& b) {
  return binary<T>(
      "div", a, b, [](const auto& x, const auto& y) { return x / y; },
      [](Node<T>& n) {
        detail::accumulate_broadcast(n.input(0), n.grad / n.input_value(1));
        detail::accumulate_broadcast(n.input(1), -n.grad * n.value / n.input_value(1));
      },
      value_of_input(1) | kOutputValue);
}

template <class T>
Var<T> add(const Var<T>& x, Scalar<T> s) {
  return unary<T>(
      "add_scalar", x, [s](const auto& v) { return v + s; },
      [](Node<T>& n) { detail::accumulate(n.input(0), n.grad); }, kNoValues);
}

template <class T>
Var<T> mul(const Var<T>& x, Scalar<T> s) {
  Var<T> y = unary<T>(
      "mul_scalar", x, [s](const auto& v) { return v * s; },
      [](Node<T>& n) { detail::accumulate(n.input(0), n.grad * static_cast<T>(n.scalars[0])); },
      kNoValues);
  y.node()->scalars[0] = s;
  return y;
}

template <class T>
Var<T> rdiv(Scalar<T> s, const Var<T>& x) {
  Var<T> y = unary<T>(
      "rdiv_scalar", x, [s](const auto& v) { return s / v; },
      [](Node<T>& n) { detail::accumulate(n.input(0), -n.grad * n.value / n.input_value(0)); },
      value_of_input(0) | kOutputValue);
  return y;
}

template <class T>
Var<T> neg(const Var<T>& x) {
  return unary<T>(
      "neg", x, [](const auto& v) { return -v; },
      [](Node<T>& n) { detail::accumulate(n.input(0), -n.grad); }, kNoValues);
}

template <class T>
Var<T> pow(const Var<T>& x, Scalar<T> p) {
  Var<T> y = unary<T>(
      "pow", x, [p](const auto& v) { return xt::pow(v, p); },
      [](Node<T>& n) {
        const T p = static_cast<T>(n.scalars[0]);
        detail::accumulate(n.input(0), n.grad * p * xt::pow(n.input_value(0), p - T(1)));
      },
      value_of_input(0));
  y.node()->scalars[0] = p;
  return y;
}

template <class T>
Var<T> exp(const Var<T>& x) {
  return unary<T>(
      "exp", x, [](const auto& v) { return xt::exp(v); },
      [](Node<T>& n) { detail::accumulate(n.input(0), n.grad * n.value); }, kOutputValue);
}

template <class T>
Var<T> log(const Var<T>& x) {
  return unary<T>(
      "log", x, [](const auto& v) { return xt::log(v); },
      [](Node<T>& n) { detail::accumulate(n.input(0), n.grad / n.input_value(0)); },
      value_of_input(0));
}

template <class T>
Var<T> sqrt(const Var<T>& x) {
  return unary<T>(
      "sqrt", x, [](const auto& v) { return xt::sqrt(v); },
      [](Node<T>& n) { detail::accumulate(n.input(0), n.grad / (T(2) * n.value)); }, kOutputValue);
}

template <class T>
Var<T> tanh(const Var<T>& x) {
  return unary<T>(
      "tanh", x, [](const auto& v) { return xt::tanh(v); },
      [](Node<T>& n) { detail::accumulate(n.input(0), n.grad * (T(1) - n.value * n.value)); },
      kOutputValue);
}

template <class T>
Var<T> sigmoid(const Var<T>& x) {
  return unary<T>(
      "sigmoid", x, [](const auto& v) { return T(1) / (T(1) + xt::exp(-v)); },
      [](Node<T>& n) { detail::accumulate(n.input(0), n.grad * n.value * (T(1) - n.value)); },
      kOutputValue);
}

template <class T>
Var<T> relu(const Var<T>& x) {
  return unary<T>(
      "relu", x, [](const auto& v) { return xt::where(v < T(0), T(0), v); },  // NaN stays NaN
      // Reads y, not x: y > 0 exactly where x > 0 (NaN in neither), and y is what the next op
      // (a linear) keeps anyway.
      [](Node<T>& n) { detail::accumulate(n.input(0), xt::where(n.value > T(0), n.grad, T(0))); },
      kOutputValue);
}

template <class T>
Var<T> clamp(const Var<T>& x, Scalar<T> lo, Scalar<T> hi) {
  if (!(lo <= hi))
    throw ValueError(fmt::format("clamp: lower bound {} exceeds upper bound {}", lo, hi));
  Var<T> y = unary<T>(
      "clamp", x, [lo, hi](const auto& v) { return xt::clip(v, lo, hi); },
      [](Node<T>& n) {
        const T lo = static_cast<T>(n.scalars[0]), hi = static_cast<T>(n.scalars[1]);
        const auto& v = n.input_value(0);
        detail::accumulate(n.input(0), xt::where(v >= lo && v <= hi, n.grad, T(0)));
      },
      value_of_input(0));
  y.node()->scalars[0] = lo;
  y.node()->scalars[1] = hi;
  return y;
}

template <class T>
Var<T> abs(const Var<T>& x) {
  return unary<T>(
      "abs", x, [](const auto& v) { return xt::abs(v); },
      [](Node<T>& n) { detail::accumulate(n.input(0), n.grad * xt::sign(n.input_value(0))); },
      value_of_input(0));
}

template <class T>
Var<T> where(const xt::xarray<bool>& cond, const Var<T>& a, const Var<T>& b) {
  const Shape ab = detail::broadcast_shapes("where", a.shape(), b.shape());
  const Shape cond_shape(cond.shape().begin(), cond.shape().end());
  const Shape full = detail::broadcast_shapes("where", cond_shape, ab);
  Var<T> y = detail::make_result<T>(
      "where", {&a, &b},
      [](Node<T>& n) {
        detail::accumulate_broadcast(n.input(0), xt::where(n.saved > T(0), n.grad, T(0)));
        detail::accumulate_broadcast(n.input(1), xt::where(n.saved > T(0), T(0), n.grad));
      },
      kNoValues);
  Node<T>& node = *y.node();
  node.value.resize(full);
  xt::noalias(node.value) = xt::where(cond, a.value(), b.value());
  if (node.requires_grad) {
    node.saved.resize(full);
    xt::noalias(node.saved) = xt::where(cond, T(1), T(0));
  }
  return y;
}

#define UNROLL_INSTANTIATE(T)                                 \
  template Var<T> add(const Var<T>&, const Var<T>&);          \
  template Var<T> sub(const Var<T>&, const Var<T>&);          \
  template Var<T> mul(const Var<T>&, const Var<T>&);          \
  template Var<T> div(const Var<T>&, const Var<T>&);          \
  template Var<T> add(const Var<T>&, Scalar<T>);              \
  template Var<T> mul(const Var<T>&, Scalar<T>);              \
  template Var<T> rdiv(Scalar<T>, const Var<T>&);             \
  template Var<T> neg(const Var<T>&);                         \
  template Var<T> pow(const Var<T>&, Scalar<T>);              \
  template Var<T> exp(const Var<T>&);                         \
  template Var<T> log(const Var<T>&);                         \
  template Var<T> sqrt(const Var<T>&);                        \
  template Var<T> tanh(const Var<T>&);                        \
  template Var<T> sigmoid(const Var<T>&);                     \
  template Var<T> relu(const Var<T>&);                        \
  template Var<T> clamp(const Var<T>&, Scalar<T>, Scalar<T>); \
  template Var<T> abs(const Var<T>&);                         \
  template Var<T> where(const xt::xarray<bool>&, const Var<T>&, const Var<T>&);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
