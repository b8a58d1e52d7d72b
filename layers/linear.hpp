// Linear:  y = x·Wᵀ + b.  x [..., in] → y [..., out];  weight [out, in], bias [out] (PyTorch).
// Initialization: PyTorch's U(−1/√in, 1/√in) for both, or Xavier/Glorot uniform for the weight.
#pragma once

#include "layers/init.hpp"
#include "layers/module.hpp"

namespace unroll {

enum class LinearInit { Uniform, Xavier };

template <class T = float>
class Linear : public Module<T> {
 public:
  Linear(std::size_t in, std::size_t out, std::uint64_t seed = 1, bool bias = true,
         LinearInit init = LinearInit::Uniform);
  Var<T> forward(const Var<T>& x) const;

  Var<T> weight, bias;  // bias is empty when constructed without one
};

}  // namespace unroll
