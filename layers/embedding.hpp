/// @file
/// Embedding:  y[i..., :] = weight[ids[i...], :].  ids [...] → y [..., dim];  weight [count, dim]
/// initialized N(0, 1) as in PyTorch. An id outside [0, count) throws IndexError.
#pragma once

#include "layers/init.hpp"
#include "layers/module.hpp"

namespace unroll {

/// A lookup table of `count` vectors of `dim` (see the top of this file).
template <class T = float>
class Embedding : public Module<T> {
 public:
  Embedding(std::size_t count, std::size_t dim, std::uint64_t seed = 1);  ///< ValueError for a 0
  Var<T> forward(const IndexArray& ids) const;  ///< ids [...] → [..., dim]

  Var<T> weight;  ///< [count, dim]
};

}  // namespace unroll
