#include "layers/init.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "framework/errors.hpp"

namespace unroll {
namespace {

void require_matrix(const char* what, const Shape& shape) {
  if (shape.size() != 2 || shape[0] == 0 || shape[1] == 0)
    throw ShapeError(
        fmt::format("{}: needs a non-empty [rows, cols] shape, got {}", what, shape_str(shape)));
}

}  // namespace

template <class T>
Array<T> uniform(const Shape& shape, double bound, Rng& rng) {
  std::uniform_real_distribution<double> dist(-bound, bound);
  Array<T> a = Array<T>::from_shape(shape);
  for (auto& v : a) v = static_cast<T>(dist(rng));
  return a;
}

template <class T>
Array<T> normal(const Shape& shape, double std, Rng& rng) {
  std::normal_distribution<double> dist(0.0, std);
  Array<T> a = Array<T>::from_shape(shape);
  for (auto& v : a) v = static_cast<T>(dist(rng));
  return a;
}

template <class T>
Array<T> xavier_uniform(const Shape& shape, Rng& rng) {
  require_matrix("xavier_uniform", shape);
  return uniform<T>(shape, std::sqrt(6.0 / static_cast<double>(shape[0] + shape[1])), rng);
}

template <class T>
Array<T> orthogonal(const Shape& shape, Rng& rng) {
  require_matrix("orthogonal", shape);
  // Modified Gram–Schmidt over the longer side's vectors: orthonormal columns of a tall matrix
  // (or rows of a wide one), in double precision.
  const bool tall = shape[0] >= shape[1];
  const std::size_t count = tall ? shape[1] : shape[0];   // vectors to orthonormalize
  const std::size_t length = tall ? shape[0] : shape[1];  // their length
  std::normal_distribution<double> dist(0.0, 1.0);
  std::vector<std::vector<double>> q(count, std::vector<double>(length));
  for (auto& v : q)
    for (auto& x : v) x = dist(rng);
  for (std::size_t j = 0; j < count; ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      double dot = 0;
      for (std::size_t k = 0; k < length; ++k) dot += q[i][k] * q[j][k];
      for (std::size_t k = 0; k < length; ++k) q[j][k] -= dot * q[i][k];
    }
    double norm = 0;
    for (double x : q[j]) norm += x * x;
    norm = std::sqrt(norm);
    for (double& x : q[j]) x /= norm;
  }
  Array<T> a = Array<T>::from_shape(shape);
  for (std::size_t j = 0; j < count; ++j)
    for (std::size_t k = 0; k < length; ++k) (tall ? a(k, j) : a(j, k)) = static_cast<T>(q[j][k]);
  return a;
}

template <class T>
Array<T> stacked_identity(const Shape& shape) {
  require_matrix("stacked_identity", shape);
  if (shape[0] % shape[1] != 0)
    throw ShapeError(fmt::format("stacked_identity: {} rows are not a multiple of {} columns",
                                 shape[0], shape[1]));
  Array<T> a = Array<T>::from_shape(shape);
  a.fill(T(0));
  for (std::size_t r = 0; r < shape[0]; ++r) a(r, r % shape[1]) = T(1);
  return a;
}

#define UNROLL_INSTANTIATE(T)                               \
  template Array<T> uniform<T>(const Shape&, double, Rng&); \
  template Array<T> normal<T>(const Shape&, double, Rng&);  \
  template Array<T> xavier_uniform<T>(const Shape&, Rng&);  \
  template Array<T> orthogonal<T>(const Shape&, Rng&);      \
  template Array<T> stacked_identity<T>(const Shape&);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
