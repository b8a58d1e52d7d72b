/// @file
/// Adagrad (Duchi et al., 2011): torch.optim.Adagrad (1.13). Step t of a parameter p with gradient
/// ∇ (buffer "sum" s, starting at the initial accumulator value):
///   g ← ∇ + λ·p
///   lr_t ← lr / (1 + (t − 1)·η)                 (η: lr decay)
///   s ← s + g²
///   p ← p − lr_t · g / (√s + ε)
#pragma once

#include "framework/optim/optimizer.hpp"

namespace unroll {

/// Adagrad's settings, PyTorch's defaults unless set.
class AdagradOptions {
  UNROLL_OPTION(AdagradOptions, double, lr, 1e-2)                        ///< learning rate
  UNROLL_OPTION(AdagradOptions, double, lr_decay, 0.0)                   ///< lr decay η
  UNROLL_OPTION(AdagradOptions, double, weight_decay, 0.0)               ///< weight decay λ
  UNROLL_OPTION(AdagradOptions, double, initial_accumulator_value, 0.0)  ///< where s starts
  UNROLL_OPTION(AdagradOptions, double, eps, 1e-10)  ///< ε, added to the denominator
};

/// Adagrad over named parameters (see the top of this file).
template <class T = float>
class Adagrad : public Optimizer<T> {
 public:
  /// ValueError naming Adagrad when any option is negative.
  Adagrad(NamedParameters<T> parameters, const AdagradOptions& options);

 private:
  void update(std::size_t k, Array<T>& p, const Array<T>& grad) override;

  AdagradOptions options_;
  std::size_t sum_;  ///< state id
};

}  // namespace unroll
