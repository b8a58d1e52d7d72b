/// @file
/// Linear:  y = x·Wᵀ + b.  x [..., in] → y [..., out];  weight [out, in], bias [out] (PyTorch).
/// Initialization: PyTorch's U(−1/√in, 1/√in) for both, or Xavier/Glorot uniform for the weight.
#pragma once

#include "layers/init.hpp"
#include "layers/module.hpp"

namespace unroll {

/// The weight's initialization (see the top of this file).
enum class LinearInit { Uniform, Xavier };

/// A fully connected layer (see the top of this file).
template <class T = float>
class Linear : public Module<T> {
 public:
  /// ValueError when in or out is 0.
  Linear(std::size_t in, std::size_t out, std::uint64_t seed = 1, bool bias = true,
         LinearInit init = LinearInit::Uniform);
  Var<T> forward(const Var<T>& x) const;  ///< x [..., in] → [..., out]

  ///@{
  /// weight [out, in] and bias [out]; bias is empty when constructed without one.
  Var<T> weight, bias;
  ///@}
};

}  // namespace unroll
