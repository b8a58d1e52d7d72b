/// @file
/// Adam (Kingma & Ba, 2015): torch.optim.Adam (1.13) without amsgrad. Step t of a parameter p with
/// gradient ∇ (buffers "exp_avg" m and "exp_avg_sq" v, both starting at 0):
///   g ← ∇ + λ·p                      (L2 weight decay, added to the gradient)
///   m ← β1·m + (1 − β1)·g
///   v ← β2·v + (1 − β2)·g²
///   p ← p − lr/(1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
#pragma once

#include <utility>

#include "framework/optim/optimizer.hpp"

namespace unroll {

using Betas = std::pair<double, double>;  ///< (β1, β2), each in [0, 1)

/// Adam's settings, PyTorch's defaults unless set.
class AdamOptions {
  UNROLL_OPTION(AdamOptions, double, lr, 1e-3)  ///< learning rate
  /// (β1, β2): the decay rates of m and v.
  UNROLL_OPTION(AdamOptions, Betas, betas, Betas(0.9, 0.999))
  UNROLL_OPTION(AdamOptions, double, eps, 1e-8)  ///< ε, added to the denominator
  /// Weight decay λ (L2, added to the gradient).
  UNROLL_OPTION(AdamOptions, double, weight_decay, 0.0)
};

/// Adam over named parameters (see the top of this file).
template <class T = float>
class Adam : public Optimizer<T> {
 public:
  /// ValueError naming Adam for a negative lr, eps or weight decay, or a β outside [0, 1).
  Adam(NamedParameters<T> parameters, const AdamOptions& options)
      : Adam("Adam", std::move(parameters), options, false) {}

 protected:
  /// decoupled: AdamW's weight decay p ← p·(1 − lr·λ) instead of the L2 term.
  Adam(const char* name, NamedParameters<T> parameters, const AdamOptions& options, bool decoupled);

 private:
  void update(std::size_t k, Array<T>& p, const Array<T>& grad) override;

  AdamOptions options_;
  bool decoupled_;
  std::size_t exp_avg_, exp_avg_sq_;  ///< state ids
};

}  // namespace unroll
