/// @file
/// Dropout: in training, y = x ⊙ m with m = Bernoulli(1 − p) / (1 − p), a fresh seeded mask per
/// call; in eval mode, y = x.
#pragma once

#include "layers/init.hpp"
#include "layers/module.hpp"

namespace unroll {

/// Dropout as a layer (see the top of this file).
template <class T = float>
class Dropout : public Module<T> {
 public:
  explicit Dropout(double p, std::uint64_t seed = 1);  ///< ValueError unless 0 ≤ p < 1
  Var<T> forward(const Var<T>& x);                     ///< x with a fresh mask, or x in eval mode

 private:
  double p_;
  Rng rng_;
};

}  // namespace unroll
