#include "layers/embedding.hpp"

#include <fmt/format.h>

#include "framework/ops/shape.hpp"

namespace unroll {

template <class T>
Embedding<T>::Embedding(std::size_t count, std::size_t dim, std::uint64_t seed) {
  if (count == 0 || dim == 0)
    throw ValueError(
        fmt::format("Embedding: count {} and dim {} must both be at least 1", count, dim));
  Rng rng(seed);
  weight = this->register_parameter("weight", normal<T>({count, dim}, 1.0, rng));
}

template <class T>
Var<T> Embedding<T>::forward(const IndexArray& ids) const {
  return gather_rows(weight, ids);
}

template class Embedding<float>;
template class Embedding<double>;

}  // namespace unroll
