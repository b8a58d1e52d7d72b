/// @file
/// Splitting memory-bound loops over the compute threads (the GEMM's OpenMP threads, set by
/// set_compute_threads in framework/gemm.hpp), so the second core does not wait while one core
/// copies, adds or zero-fills a tensor between two GEMMs.
///
/// Below these sizes a parallel region (~1.5 µs to start and join) costs more than it saves:
/// - kParallelElements for elementwise math (tanh, sigmoid: ~1 ns per element);
/// - kParallelCopyElements for memory-bound loops (copies, sums, fills). Measured here on
///   cache-hot rows, dst += src: 16384 floats 1.8 µs serial / 2.1 µs on two threads, 32768 floats
///   4.3 / 3.6 µs, 131072 floats 17.9 / 12.3 µs. xtensor's own contiguous assignments use the
///   same threshold (XTENSOR_OPENMP_TRESHOLD in CMakeLists.txt).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstddef>

namespace unroll {

inline constexpr std::size_t kParallelElements = 8192;       ///< elementwise math (see above)
inline constexpr std::size_t kParallelCopyElements = 32768;  ///< memory-bound loops (see above)

/// row(r) for r in [0, rows), the rows split over the threads when the loop touches at least
/// `threshold` elements. Below it no parallel region starts at all (an OpenMP `if` clause still
/// sets up a one-thread team: sampling one character at a time paid 15 of them per character).
template <class Row>
void parallel_rows(std::size_t rows, std::size_t elements, std::size_t threshold, Row&& row) {
  if (elements < threshold || rows < 2) {
    for (std::size_t r = 0; r < rows; ++r) row(r);
    return;
  }
#pragma omp parallel for schedule(static)
  for (std::size_t r = 0; r < rows; ++r) row(r);
}

/// Columns per chunk when `columns` are split over the threads: an equal share, rounded up to a
/// multiple of 16, at most max_chunk.
inline std::size_t column_chunk(std::size_t columns, std::size_t max_chunk) {
  const auto threads = static_cast<std::size_t>(omp_get_max_threads());
  const std::size_t share = (columns + threads - 1) / threads;
  return std::clamp<std::size_t>((share + 15) / 16 * 16, 16, max_chunk);
}

/// dst[0 .. n) = value, split over the threads when n is large.
template <class T>
void parallel_fill(T* dst, std::size_t n, T value) {
  const std::size_t chunk = 4096;
  parallel_rows((n + chunk - 1) / chunk, n, kParallelCopyElements, [&](std::size_t c) {
    std::fill(dst + c * chunk, dst + std::min(n, (c + 1) * chunk), value);
  });
}

}  // namespace unroll
