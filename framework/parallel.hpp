// Splitting memory-bound loops over the compute threads (the GEMM's OpenMP threads, set by
// set_compute_threads in framework/gemm.hpp), so the second core does not wait while one core
// copies, adds or zero-fills a tensor between two GEMMs.
//
// Below these sizes a parallel region (~1.5 µs to start and join) costs more than it saves:
// - kParallelElements for elementwise math (tanh, sigmoid: ~1 ns per element);
// - kParallelCopyElements for memory-bound loops (copies, sums, fills). Measured here on
//   cache-hot rows, dst += src: 16384 floats 1.8 µs serial / 2.1 µs on two threads, 32768 floats
//   4.3 / 3.6 µs, 131072 floats 17.9 / 12.3 µs. xtensor's own contiguous assignments use the
//   same threshold (XTENSOR_OPENMP_TRESHOLD in CMakeLists.txt).
#pragma once

#include <algorithm>
#include <cstddef>

namespace unroll {

inline constexpr std::size_t kParallelElements = 8192;
inline constexpr std::size_t kParallelCopyElements = 32768;

// dst[0 .. n) = value, split over the threads when n is large.
template <class T>
void parallel_fill(T* dst, std::size_t n, T value) {
  const std::size_t chunk = 4096;
#pragma omp parallel for schedule(static) if (n >= kParallelCopyElements)
  for (std::size_t begin = 0; begin < n; begin += chunk)
    std::fill(dst + begin, dst + std::min(n, begin + chunk), value);
}

}  // namespace unroll
