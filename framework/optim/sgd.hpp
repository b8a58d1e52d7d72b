/// @file
/// Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum:
/// torch.optim.SGD (1.13), step t of a parameter p with gradient ∇:
///   g ← ∇ + λ·p
///   momentum μ ≠ 0:  b ← g at t = 1, else b ← μ·b + (1 − τ)·g      (buffer "momentum_buffer")
///                    g ← g + μ·b (nesterov)  or  g ← b
///   p ← p − lr·g
#pragma once

#include "framework/optim/optimizer.hpp"

namespace unroll {

/// SGD's settings, PyTorch's defaults unless set (the learning rate has none).
class SGDOptions {
 public:
  explicit SGDOptions(double lr) : lr_(lr) {}  ///< with this learning rate

  UNROLL_OPTION(SGDOptions, double, lr, 0.0)            ///< learning rate (set by the constructor)
  UNROLL_OPTION(SGDOptions, double, momentum, 0.0)      ///< momentum μ
  UNROLL_OPTION(SGDOptions, double, dampening, 0.0)     ///< dampening τ
  UNROLL_OPTION(SGDOptions, double, weight_decay, 0.0)  ///< weight decay λ (L2, added to ∇)
  UNROLL_OPTION(SGDOptions, bool, nesterov, false)  ///< Nesterov momentum; needs μ > 0 and τ = 0
};

/// Stochastic gradient descent over named parameters (see the top of this file).
template <class T = float>
class SGD : public Optimizer<T> {
 public:
  /// ValueError naming SGD for a negative lr, momentum or weight decay, or Nesterov momentum
  /// without momentum or with dampening.
  SGD(NamedParameters<T> parameters, const SGDOptions& options);

 private:
  void update(std::size_t k, Array<T>& p, const Array<T>& grad) override;

  SGDOptions options_;
  std::size_t momentum_buffer_ = 0;  ///< state id, when μ ≠ 0
};

}  // namespace unroll
