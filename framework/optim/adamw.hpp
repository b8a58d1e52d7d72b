/// @file
/// AdamW (Loshchilov & Hutter, 2019): torch.optim.AdamW (1.13) without amsgrad. Adam with the
/// weight decay decoupled from the gradient — step t of a parameter p with gradient ∇:
///   p ← p·(1 − lr·λ)
///   m ← β1·m + (1 − β1)·∇
///   v ← β2·v + (1 − β2)·∇²
///   p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
#pragma once

#include "framework/optim/adam.hpp"

namespace unroll {

/// As AdamOptions, but λ defaults to 1e-2 as in PyTorch.
class AdamWOptions {
  UNROLL_OPTION(AdamWOptions, double, lr, 1e-3)  ///< learning rate
  /// (β1, β2): the decay rates of m and v.
  UNROLL_OPTION(AdamWOptions, Betas, betas, Betas(0.9, 0.999))
  UNROLL_OPTION(AdamWOptions, double, eps, 1e-8)           ///< ε, added to the denominator
  UNROLL_OPTION(AdamWOptions, double, weight_decay, 1e-2)  ///< decoupled weight decay λ
};

/// AdamW over named parameters (see the top of this file).
template <class T = float>
class AdamW : public Adam<T> {
 public:
  /// ValueError naming AdamW for a negative lr, eps or weight decay, or a β outside [0, 1).
  AdamW(NamedParameters<T> parameters, const AdamWOptions& options);
};

}  // namespace unroll
