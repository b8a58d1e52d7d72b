#include "layers/linear.hpp"

#include <fmt/format.h>

#include <cmath>

#include "framework/ops/linalg.hpp"

namespace unroll {

template <class T>
Linear<T>::Linear(std::size_t in, std::size_t out, std::uint64_t seed, bool with_bias,
                  LinearInit init) {
  if (in == 0 || out == 0)
    throw ValueError(
        fmt::format("Linear: sizes in={} and out={} must both be at least 1", in, out));
  Rng rng(seed);
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  weight = this->register_parameter("weight", init == LinearInit::Xavier
                                                  ? xavier_uniform<T>({out, in}, rng)
                                                  : uniform<T>({out, in}, bound, rng));
  if (with_bias) bias = this->register_parameter("bias", uniform<T>({out}, bound, rng));
}

template <class T>
Var<T> Linear<T>::forward(const Var<T>& x) const {
  return bias.defined() ? linear(x, weight, bias) : linear(x, weight);
}

template class Linear<float>;
template class Linear<double>;

}  // namespace unroll
