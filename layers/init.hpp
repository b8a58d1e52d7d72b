/// @file
/// Weight initialization, seeded. PyTorch's defaults are the defaults here too.
#pragma once

#include <cstdint>
#include <random>

#include "framework/tensor.hpp"

namespace unroll {

using Rng = std::mt19937_64;  ///< the generator of every initializer and dropout mask

/// U(−bound, bound) for every element.
template <class T>
Array<T> uniform(const Shape& shape, double bound, Rng& rng);
/// N(0, std²) for every element.
template <class T>
Array<T> normal(const Shape& shape, double std, Rng& rng);
/// Xavier/Glorot uniform for a [out, in] weight: U(±√(6 / (in + out))).
template <class T>
Array<T> xavier_uniform(const Shape& shape, Rng& rng);
/// A [rows, cols] matrix with orthonormal columns (rows ≥ cols) or rows (rows < cols): the Q of
/// a Gaussian matrix's QR decomposition, sign-corrected as in PyTorch's orthogonal_.
template <class T>
Array<T> orthogonal(const Shape& shape, Rng& rng);
/// [k·n, n]: k identity blocks stacked (one per gate), as IRNN initializes a recurrent weight.
template <class T>
Array<T> stacked_identity(const Shape& shape);

/// How a recurrent layer initializes its hidden-to-hidden weights (input weights and biases always
/// use PyTorch's U(−1/√H, 1/√H)).
enum class RecurrentInit { Uniform, Orthogonal, Identity };

}  // namespace unroll
