/// @file
/// Typed exceptions. Each message names the operation and the offending values.
#pragma once

#include <stdexcept>
#include <string>

namespace unroll {

/// Base of every error unroll throws.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Shapes that do not fit together: "matmul: [32,64] x [128,256]: inner dimensions 64 and 128
/// differ".
struct ShapeError : Error {
  using Error::Error;
};

/// An argument outside its domain: a negative probability, an unknown axis, a zero size.
struct ValueError : Error {
  using Error::Error;
};

/// An index outside its range: a token id past the vocabulary, a class past the logits.
struct IndexError : Error {
  using Error::Error;
};

/// Misuse of the tape: backward() on a non-scalar, through a reset tape, after an in-place change.
struct TapeError : Error {
  using Error::Error;
};

}  // namespace unroll
