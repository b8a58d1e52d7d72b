// Dropout: in training, y = x ⊙ m with m = Bernoulli(1 − p) / (1 − p), a fresh seeded mask per
// call; in eval mode, y = x.
#pragma once

#include "layers/init.hpp"
#include "layers/module.hpp"

namespace unroll {

template <class T = float>
class Dropout : public Module<T> {
 public:
  explicit Dropout(double p, std::uint64_t seed = 1);
  Var<T> forward(const Var<T>& x);

 private:
  double p_;
  Rng rng_;
};

}  // namespace unroll
