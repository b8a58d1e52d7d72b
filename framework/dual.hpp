/// @file
/// Dual numbers: a value with N partial derivatives, carried through arithmetic by the chain rule.
///
/// They let `pointwise` (framework/ops/pointwise.hpp) derive the backward of any elementwise
/// function from the function itself: evaluated on Dual<S, N> with unit tangents, f returns its
/// value and ∂f/∂x_j for each of its N arguments at once (forward-mode differentiation).
/// S is a float/double or an xsimd batch of them (16 floats per AVX-512 register), so the same
/// user function runs vectorized. N = 0 carries the value alone, at no extra cost.
///
/// Functions available to a pointwise function: + − × ÷ (with Duals and plain numbers), unary −,
/// exp, log, sqrt, tanh, sigmoid, relu.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <xsimd/xsimd.hpp>

namespace unroll {

/// A value and its N partial derivatives (see the top of this file).
template <class S, std::size_t N>
struct Dual {
  S v;                 ///< the value
  std::array<S, N> d;  ///< ∂v/∂x_j for the function's arguments x_j
};

namespace dual_detail {

template <class S>
S exp(const S& x) {
  if constexpr (std::is_arithmetic_v<S>)
    return std::exp(x);
  else
    return xsimd::exp(x);
}
template <class S>
S log(const S& x) {
  if constexpr (std::is_arithmetic_v<S>)
    return std::log(x);
  else
    return xsimd::log(x);
}
template <class S>
S sqrt(const S& x) {
  if constexpr (std::is_arithmetic_v<S>)
    return std::sqrt(x);
  else
    return xsimd::sqrt(x);
}
template <class S>
S tanh(const S& x) {
  if constexpr (std::is_arithmetic_v<S>)
    return std::tanh(x);
  else
    return xsimd::tanh(x);
}
/// The element type of S (float for xsimd::batch<float>).
template <class S>
struct element {
  using type = S;
};
template <class T, class A>
struct element<xsimd::batch<T, A>> {
  using type = T;
};
template <class S>
using element_t = typename element<S>::type;

/// y = g(x) with dy/dx_j = g'(x) · dx/dx_j.
template <class S, std::size_t N>
Dual<S, N> chain(const Dual<S, N>& x, const S& value, const S& derivative) {
  Dual<S, N> y{value, {}};
  for (std::size_t j = 0; j < N; ++j) y.d[j] = derivative * x.d[j];
  return y;
}

}  // namespace dual_detail

template <class U>
concept PlainNumber = std::is_arithmetic_v<U>;

///@{
/// (a ± b)' = a' ± b';  (a·b)' = a'b + ab';  (a/b)' = (a' − (a/b)·b') / b
template <class S, std::size_t N>
Dual<S, N> operator+(const Dual<S, N>& a, const Dual<S, N>& b) {
  Dual<S, N> y{a.v + b.v, {}};
  for (std::size_t j = 0; j < N; ++j) y.d[j] = a.d[j] + b.d[j];
  return y;
}
template <class S, std::size_t N>
Dual<S, N> operator-(const Dual<S, N>& a, const Dual<S, N>& b) {
  Dual<S, N> y{a.v - b.v, {}};
  for (std::size_t j = 0; j < N; ++j) y.d[j] = a.d[j] - b.d[j];
  return y;
}
template <class S, std::size_t N>
Dual<S, N> operator*(const Dual<S, N>& a, const Dual<S, N>& b) {
  Dual<S, N> y{a.v * b.v, {}};
  for (std::size_t j = 0; j < N; ++j) y.d[j] = a.d[j] * b.v + a.v * b.d[j];
  return y;
}
template <class S, std::size_t N>
Dual<S, N> operator/(const Dual<S, N>& a, const Dual<S, N>& b) {
  const S inv = S(1) / b.v;
  Dual<S, N> y{a.v * inv, {}};
  for (std::size_t j = 0; j < N; ++j) y.d[j] = (a.d[j] - y.v * b.d[j]) * inv;
  return y;
}
template <class S, std::size_t N>
Dual<S, N> operator-(const Dual<S, N>& a) {
  Dual<S, N> y{-a.v, {}};
  for (std::size_t j = 0; j < N; ++j) y.d[j] = -a.d[j];
  return y;
}
///@}

/// The plain number c as a Dual like the first argument's: a constant, no derivative.
template <class S, std::size_t N>
Dual<S, N> constant_like(const Dual<S, N>&, PlainNumber auto c) {
  return Dual<S, N>{S(static_cast<dual_detail::element_t<S>>(c)), {}};
}
///@{
/// With a plain number c (a constant: no derivative).
template <class S, std::size_t N>
Dual<S, N> operator+(const Dual<S, N>& a, PlainNumber auto c) {
  return a + constant_like(a, c);
}
template <class S, std::size_t N>
Dual<S, N> operator+(PlainNumber auto c, const Dual<S, N>& a) {
  return constant_like(a, c) + a;
}
template <class S, std::size_t N>
Dual<S, N> operator-(const Dual<S, N>& a, PlainNumber auto c) {
  return a - constant_like(a, c);
}
template <class S, std::size_t N>
Dual<S, N> operator-(PlainNumber auto c, const Dual<S, N>& a) {
  return constant_like(a, c) - a;
}
template <class S, std::size_t N>
Dual<S, N> operator*(const Dual<S, N>& a, PlainNumber auto c) {
  return a * constant_like(a, c);
}
template <class S, std::size_t N>
Dual<S, N> operator*(PlainNumber auto c, const Dual<S, N>& a) {
  return constant_like(a, c) * a;
}
template <class S, std::size_t N>
Dual<S, N> operator/(const Dual<S, N>& a, PlainNumber auto c) {
  return a / constant_like(a, c);
}
template <class S, std::size_t N>
Dual<S, N> operator/(PlainNumber auto c, const Dual<S, N>& a) {
  return constant_like(a, c) / a;
}
///@}

///@{
/// exp' = exp;  log' = 1/x;  sqrt' = 1/(2 sqrt);  tanh' = 1 − tanh²;  σ = 1/(1+e^−x), σ' = σ(1−σ);
/// relu' = [x > 0]
template <class S, std::size_t N>
Dual<S, N> exp(const Dual<S, N>& x) {
  const S e = dual_detail::exp(x.v);
  return dual_detail::chain(x, e, e);
}
template <class S, std::size_t N>
Dual<S, N> log(const Dual<S, N>& x) {
  return dual_detail::chain(x, dual_detail::log(x.v), S(1) / x.v);
}
template <class S, std::size_t N>
Dual<S, N> sqrt(const Dual<S, N>& x) {
  const S r = dual_detail::sqrt(x.v);
  return dual_detail::chain(x, r, S(0.5) / r);
}
template <class S, std::size_t N>
Dual<S, N> tanh(const Dual<S, N>& x) {
  const S t = dual_detail::tanh(x.v);
  return dual_detail::chain(x, t, S(1) - t * t);
}
template <class S, std::size_t N>
Dual<S, N> sigmoid(const Dual<S, N>& x) {
  const S s = S(1) / (S(1) + dual_detail::exp(-x.v));
  return dual_detail::chain(x, s, s * (S(1) - s));
}
template <class S, std::size_t N>
Dual<S, N> relu(const Dual<S, N>& x) {
  if constexpr (std::is_arithmetic_v<S>) {
    return x.v > S(0) ? x : Dual<S, N>{S(0), {}};
  } else {
    const auto positive = x.v > S(0);
    Dual<S, N> y{xsimd::select(positive, x.v, S(0)), {}};
    for (std::size_t j = 0; j < N; ++j) y.d[j] = xsimd::select(positive, x.d[j], S(0));
    return y;
  }
}
///@}

}  // namespace unroll
