/// @file
/// The only place that calls a BLAS. Row-major general matrix multiply:
///   C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C,   op(X) = X or Xᵀ.
/// lda/ldb/ldc are the row strides of A, B, C as stored. beta = 1 accumulates in place, which is
/// how backward adds weight gradients without a temporary.
/// float runs oneDNN's dnnl_sgemm (AVX-512 kernels on this machine), one sequential call per
/// thread's block of C; double runs a plain loop — it serves gradient checks, not training.
#pragma once

#include <cstddef>

namespace unroll {

/// How many threads the float GEMM and the elementwise kernels use, from here on, when called from
/// this thread (OpenMP's default is every core). The GEMM splits its result into one block per
/// thread and runs each as a sequential oneDNN call; oneDNN never starts threads of its own.
void set_compute_threads(int threads);

/// C = alpha · op(A) · op(B) + beta · C (see the top of this file); T is float or double.
template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc);

}  // namespace unroll
