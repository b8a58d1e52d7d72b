/// @file
/// LayerNorm over the last axis, composed of ops:
///   y = (x − mean) / √(var + ε) ⊙ weight + bias,  mean and (biased) var over the last axis.
/// x [..., D] → y [..., D];  weight (ones) and bias (zeros) [D], as in PyTorch.
#pragma once

#include "layers/module.hpp"

namespace unroll {

/// Layer normalization over the last axis, of width `dim` (see the top of this file).
template <class T = float>
class LayerNorm : public Module<T> {
 public:
  explicit LayerNorm(std::size_t dim, double eps = 1e-5);  ///< ValueError when dim is 0
  Var<T> forward(const Var<T>& x) const;  ///< x [..., D] → [..., D]; ShapeError for another D

  ///@{
  /// [D] each.
  Var<T> weight, bias;
  ///@}

 private:
  std::size_t dim_;
  double eps_;
};

}  // namespace unroll
