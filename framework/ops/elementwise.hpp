/// @file
/// Elementwise ops. Binary ops broadcast like NumPy; their backward sums the gradient back to
/// each input's shape. Shapes: y has the broadcast shape of the inputs; unary ops keep x's shape.
#pragma once

#include <type_traits>

#include "framework/tape.hpp"

namespace unroll {

template <class T>
using Scalar = std::type_identity_t<T>;  ///< a plain number beside a Var<T>, not deduced

/// y = a + b;  da += dy, db += dy (summed over broadcast axes)
template <class T>
Var<T> add(const Var<T>& a, const Var<T>& b);
/// y = a − b;  da += dy, db −= dy
template <class T>
Var<T> sub(const Var<T>& a, const Var<T>& b);
/// y = a ⊙ b;  da += dy ⊙ b, db += dy ⊙ a
template <class T>
Var<T> mul(const Var<T>& a, const Var<T>& b);
/// y = a / b;  da += dy / b, db −= dy ⊙ y / b
template <class T>
Var<T> div(const Var<T>& a, const Var<T>& b);

/// y = x + s;  dx += dy
template <class T>
Var<T> add(const Var<T>& x, Scalar<T> s);
/// y = x ⊙ s;  dx += s·dy
template <class T>
Var<T> mul(const Var<T>& x, Scalar<T> s);
/// y = s / x;  dx −= s·dy / x²
template <class T>
Var<T> rdiv(Scalar<T> s, const Var<T>& x);
/// y = −x;  dx −= dy
template <class T>
Var<T> neg(const Var<T>& x);

/// y = x^p (p a number);  dx += p·x^(p−1)·dy
template <class T>
Var<T> pow(const Var<T>& x, Scalar<T> p);
/// y = eˣ;  dx += y·dy
template <class T>
Var<T> exp(const Var<T>& x);
/// y = ln x;  dx += dy / x
template <class T>
Var<T> log(const Var<T>& x);
/// y = √x;  dx += dy / (2y)
template <class T>
Var<T> sqrt(const Var<T>& x);
/// y = tanh x;  dx += (1 − y²)·dy
template <class T>
Var<T> tanh(const Var<T>& x);
/// y = 1 / (1 + e⁻ˣ);  dx += y(1 − y)·dy
template <class T>
Var<T> sigmoid(const Var<T>& x);
/// y = max(x, 0);  dx += [x > 0]·dy
template <class T>
Var<T> relu(const Var<T>& x);
/// y = min(max(x, lo), hi);  dx += [lo ≤ x ≤ hi]·dy
template <class T>
Var<T> clamp(const Var<T>& x, Scalar<T> lo, Scalar<T> hi);
/// y = |x|;  dx += sign(x)·dy
template <class T>
Var<T> abs(const Var<T>& x);
/// y = cond ? a : b (cond, a, b broadcast together);  da += [cond]·dy, db += [¬cond]·dy.
/// Call it as unroll::where: argument-dependent lookup also finds xt::where for the condition.
template <class T>
Var<T> where(const xt::xarray<bool>& cond, const Var<T>& a, const Var<T>& b);

///@{
/// Operators: the same ops, spelled as arithmetic. x − s is x + (−s); s − x is (−x) + s.
template <class T>
Var<T> operator+(const Var<T>& a, const Var<T>& b) {
  return add(a, b);
}
template <class T>
Var<T> operator-(const Var<T>& a, const Var<T>& b) {
  return sub(a, b);
}
template <class T>
Var<T> operator*(const Var<T>& a, const Var<T>& b) {
  return mul(a, b);
}
template <class T>
Var<T> operator/(const Var<T>& a, const Var<T>& b) {
  return div(a, b);
}
template <class T>
Var<T> operator-(const Var<T>& x) {
  return neg(x);
}
template <class T>
Var<T> operator+(const Var<T>& x, Scalar<T> s) {
  return add(x, s);
}
template <class T>
Var<T> operator+(Scalar<T> s, const Var<T>& x) {
  return add(x, s);
}
template <class T>
Var<T> operator-(const Var<T>& x, Scalar<T> s) {
  return add(x, -s);
}
template <class T>
Var<T> operator-(Scalar<T> s, const Var<T>& x) {
  return add(neg(x), s);
}
template <class T>
Var<T> operator*(const Var<T>& x, Scalar<T> s) {
  return mul(x, s);
}
template <class T>
Var<T> operator*(Scalar<T> s, const Var<T>& x) {
  return mul(x, s);
}
template <class T>
Var<T> operator/(const Var<T>& x, Scalar<T> s) {
  return mul(x, T(1) / s);
}
template <class T>
Var<T> operator/(Scalar<T> s, const Var<T>& x) {
  return rdiv(s, x);
}
///@}

}  // namespace unroll
