/// @file
/// safetensors: the checkpoint format of Hugging Face's `safetensors` (and PyTorch's ecosystem).
///
/// A file is: an 8-byte little-endian u64 N; N bytes of UTF-8 JSON
///   {"__metadata__": {"key": "value", ...},                       (optional; string values only)
///    "<name>": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
/// padded with spaces to a multiple of 8 bytes; then the data buffer: each tensor's elements,
/// row-major, little-endian, at [begin, end) relative to the buffer's start. unroll reads and
/// writes F32 and F64 tensors.
///
/// Writing follows the reference implementation byte for byte: tensors ordered by descending
/// element size (F64 before F32, so every tensor is aligned to its element size), then by name;
/// "__metadata__" first; compact JSON; space padding. Reading is as strict as the reference:
/// the tensors must tile the data buffer exactly (no gap, no overlap, no trailing byte), every
/// offset pair must match shape × element size, and anything malformed throws FormatError —
/// the parser never reads out of bounds, whatever the input.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "framework/errors.hpp"
#include "framework/io/atomic_file.hpp"
#include "framework/tensor.hpp"

namespace unroll::io {

/// Malformed file content: "model.safetensors: tensor 'w': data_offsets [0,20] hold 20 bytes,
/// shape [2,3] of F32 needs 24".
struct FormatError : ValueError {
  using ValueError::ValueError;
};

/// The element types read and written: float32 and float64.
enum class DType { F32, F64 };

std::string_view dtype_name(DType dtype);  ///< "F32", "F64"
std::size_t dtype_size(DType dtype);       ///< bytes per element: 4, 8

/// One tensor as stored: its raw little-endian, row-major bytes.
struct StoredTensor {
  DType dtype = DType::F32;         ///< the element type
  Shape shape;                      ///< extents, row-major
  std::vector<std::uint8_t> bytes;  ///< size() × dtype_size(dtype) bytes

  /// The tensor of a float (F32) or double (F64) array.
  template <class T>
  static StoredTensor from(const Array<T>& array);
  /// The values as an Array<float> or Array<double>, converting between F32 and F64.
  template <class T>
  Array<T> as() const;
  std::size_t size() const { return shape_size(shape); }  ///< number of elements
};

/// A whole file: tensors by name, and the optional string-to-string metadata.
struct SafetensorsFile {
  std::map<std::string, StoredTensor> tensors;  ///< by name
  std::map<std::string, std::string> metadata;  ///< the header's "__metadata__"

  /// Stores `array` under `name`; ValueError if the name is taken or is "__metadata__".
  template <class T>
  void add(const std::string& name, const Array<T>& array);
  /// The tensor named `name`; ValueError naming it and the known names when absent.
  const StoredTensor& at(const std::string& name) const;
};

/// The file's bytes, exactly as write_safetensors stores them. ValueError for a tensor whose
/// byte count does not match its shape, or a name or metadata string that is not valid UTF-8.
std::vector<std::uint8_t> serialize_safetensors(const SafetensorsFile& file);

/// Writes atomically: to a fresh temporary ".<name>.tmp.<pid>.<random>" in the target's
/// directory, fsync'ed, renamed over `path`, then the directory fsync'ed. On any failure the
/// temporary is removed and FileError (or ValueError, see serialize_safetensors) is thrown: the
/// target is either its old complete self or the new complete file, never a truncated one.
/// A process killed mid-save leaves its temporary behind; the next save to the same target
/// removes such leftovers whose process no longer runs on this machine.
void write_safetensors(const std::string& path, const SafetensorsFile& file);

/// Parses a whole file held in memory; `what` (a path, "fuzz input") prefixes every message.
SafetensorsFile parse_safetensors(const std::uint8_t* data, std::size_t size,
                                  const std::string& what);

/// Reads and parses `path`; FileError if it cannot be read, FormatError if it is malformed.
SafetensorsFile read_safetensors(const std::string& path);

}  // namespace unroll::io
