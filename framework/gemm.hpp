// The only place that calls a BLAS. Row-major general matrix multiply:
//   C[M,N] = alpha · op(A)[M,K] · op(B)[K,N] + beta · C,   op(X) = X or Xᵀ.
// lda/ldb/ldc are the row strides of A, B, C as stored. beta = 1 accumulates in place, which is
// how backward adds weight gradients without a temporary.
// float runs oneDNN's dnnl_sgemm (AVX-512 kernels on this machine); double runs a plain loop —
// it serves gradient checks, not training.
#pragma once

#include <cstddef>

namespace unroll {

// Makes the float GEMM use `threads` threads. oneDNN takes its thread count from
// OMP_NUM_THREADS once, when it loads, so when the environment says otherwise this re-executes
// the program (argv) with OMP_NUM_THREADS set; call it first thing in main. Programs that never
// call it use OpenMP's default (all cores).
void pin_gemm_threads(int threads, char** argv);

template <class T>
void gemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, T alpha,
          const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc);

}  // namespace unroll
