/// @file
/// Array aliases over xtensor and shape helpers shared by the whole framework.
#pragma once

#include <cstdint>
#include <string>
#include <xtensor/xarray.hpp>

#include "framework/memory.hpp"

namespace unroll {

/// Values and gradients: dense, row-major, owning; buffers recycled by CachingAllocator.
/// float for training, double for gradient checks.
template <class T>
using Array = xt::xarray<T, xt::layout_type::row_major, CachingAllocator<T>>;

/// Integer arrays of class ids or row indices (targets, token ids).
using IndexArray = xt::xarray<std::int64_t, xt::layout_type::row_major>;

/// The shape type every Array uses (small inline vector of extents).
using Shape = Array<float>::shape_type;

/// "[32,64]"; "[]" for a scalar.
template <class S>
std::string shape_str(const S& shape) {
  std::string s = "[";
  bool first = true;
  for (auto d : shape) {
    if (!first) s += ",";
    s += std::to_string(d);
    first = false;
  }
  return s + "]";
}

/// The number of elements of an array of `shape` (1 for []).
template <class S>
std::size_t shape_size(const S& shape) {
  std::size_t n = 1;
  for (auto d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

}  // namespace unroll
