/// @file
/// RMSprop (Hinton, Coursera lecture 6e, 2012): torch.optim.RMSprop (1.13). Step of a parameter p
/// with gradient ∇ (buffers "square_avg" v, "grad_avg" ḡ when centered, "momentum_buffer" b when
/// μ > 0, all starting at 0):
///   g ← ∇ + λ·p
///   v ← α·v + (1 − α)·g²
///   d ← √v + ε,  or centered:  ḡ ← α·ḡ + (1 − α)·g,  d ← √(v − ḡ²) + ε
///   μ > 0:  b ← μ·b + g/d,  p ← p − lr·b;   otherwise  p ← p − lr·g/d
///
/// char-rnn (Karpathy, 2015) trains with RMSprop lr 2e-3 and α = 0.95 (its `decay_rate`), clamps
/// every gradient element to [−5, 5] (clip_grad_value) and multiplies lr by 0.97 after each epoch
/// from epoch 10 on: RMSpropOptions().lr(2e-3).alpha(0.95).
#pragma once

#include "framework/optim/optimizer.hpp"

namespace unroll {

/// RMSprop's settings, PyTorch's defaults unless set.
class RMSpropOptions {
  UNROLL_OPTION(RMSpropOptions, double, lr, 1e-2)           ///< learning rate
  UNROLL_OPTION(RMSpropOptions, double, alpha, 0.99)        ///< smoothing constant α, in [0, 1)
  UNROLL_OPTION(RMSpropOptions, double, eps, 1e-8)          ///< ε, added to the denominator
  UNROLL_OPTION(RMSpropOptions, double, weight_decay, 0.0)  ///< weight decay λ
  UNROLL_OPTION(RMSpropOptions, double, momentum, 0.0)      ///< momentum μ
  UNROLL_OPTION(RMSpropOptions, bool, centered, false)  ///< divide by √(v − ḡ²) + ε instead
};

/// RMSprop over named parameters (see the top of this file).
template <class T = float>
class RMSprop : public Optimizer<T> {
 public:
  /// ValueError naming RMSprop for a negative lr, eps, weight decay or momentum, or α outside
  /// [0, 1).
  RMSprop(NamedParameters<T> parameters, const RMSpropOptions& options);

 private:
  void update(std::size_t k, Array<T>& p, const Array<T>& grad) override;

  RMSpropOptions options_;
  std::size_t square_avg_, grad_avg_ = 0, momentum_buffer_ = 0;  ///< state ids
};

}  // namespace unroll
