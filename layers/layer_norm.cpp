#include "layers/layer_norm.hpp"

#include <fmt/format.h>

#include <xtensor/xbuilder.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/reduce.hpp"

namespace unroll {

template <class T>
LayerNorm<T>::LayerNorm(std::size_t dim, double eps) : dim_(dim), eps_(eps) {
  if (dim == 0) throw ValueError("LayerNorm: dim must be at least 1");
  weight = this->register_parameter("weight", xt::ones<T>({dim}));
  bias = this->register_parameter("bias", xt::zeros<T>({dim}));
}

template <class T>
Var<T> LayerNorm<T>::forward(const Var<T>& x) const {
  if (x.rank() == 0 || x.dim(x.rank() - 1) != dim_)
    throw ShapeError(
        fmt::format("LayerNorm: input {}: expected [..., {}]", shape_str(x.shape()), dim_));
  auto centered = x - mean(x, -1, true);
  auto variance = mean(centered * centered, -1, true);
  return centered / sqrt(variance + static_cast<T>(eps_)) * weight + bias;
}

template class LayerNorm<float>;
template class LayerNorm<double>;

}  // namespace unroll
