#include "layers/dropout.hpp"

#include <fmt/format.h>

#include "framework/ops/nn.hpp"

namespace unroll {

template <class T>
Dropout<T>::Dropout(double p, std::uint64_t seed) : p_(p), rng_(seed) {
  if (!(p >= 0.0 && p < 1.0)) throw ValueError(fmt::format("Dropout: p = {} is not in [0, 1)", p));
}

template <class T>
Var<T> Dropout<T>::forward(const Var<T>& x) {
  return dropout(x, p_, this->is_training(), rng_);
}

template class Dropout<float>;
template class Dropout<double>;

}  // namespace unroll
