#include "framework/gemm.hpp"

#include <fmt/format.h>
#include <oneapi/dnnl/dnnl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <xsimd/xsimd.hpp>

#include "framework/errors.hpp"

namespace unroll {

void pin_gemm_threads(int threads, char** argv) {
  if (threads < 1)
    throw ValueError(fmt::format("pin_gemm_threads: {} threads; at least 1", threads));
  const std::string wanted = std::to_string(threads);
  const char* current = std::getenv("OMP_NUM_THREADS");
  if (current != nullptr && wanted == current) return;
  setenv("OMP_NUM_THREADS", wanted.c_str(), 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run on with OpenMP's default
}

namespace {

// c[j] = alpha · Σ_q a[q]·b[j, q] + beta · c[j]: one row times a row-major Wᵀ (a matrix-vector
// product, as when sampling one character at a time). Memory-bound on B; the rows of B are split
// over the OpenMP threads always the same way, so each core keeps its half of a weight matrix in
// its own cache from one call to the next (oneDNN streamed all of it through one core: 2× slower).
void row_times_transposed(std::size_t n, std::size_t k, float alpha, const float* a, const float* b,
                          std::size_t ldb, float beta, float* c) {
  using Batch = xsimd::batch<float>;
#pragma omp parallel for schedule(static)
  for (std::size_t j = 0; j < n; ++j) {
    const float* row = b + j * ldb;
    Batch acc(0.0f);
    std::size_t q = 0;
    for (; q + Batch::size <= k; q += Batch::size)
      acc = xsimd::fma(Batch::load_unaligned(row + q), Batch::load_unaligned(a + q), acc);
    float dot = xsimd::hadd(acc);
    for (; q < k; ++q) dot += row[q] * a[q];
    c[j] = alpha * dot + (beta == 0.0f ? 0.0f : beta * c[j]);
  }
}

}  // namespace

template <>
void gemm<float>(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                 float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                 float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (m == 1 && !trans_a && trans_b) return row_times_transposed(n, k, alpha, a, b, ldb, beta, c);
  const auto status =
      dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', static_cast<dnnl_dim_t>(m),
                 static_cast<dnnl_dim_t>(n), static_cast<dnnl_dim_t>(k), alpha, a,
                 static_cast<dnnl_dim_t>(lda), b, static_cast<dnnl_dim_t>(ldb), beta, c,
                 static_cast<dnnl_dim_t>(ldc));
  if (status != dnnl_success)
    throw Error(fmt::format("gemm: dnnl_sgemm failed with status {} (m={}, n={}, k={})",
                            static_cast<int>(status), m, n, k));
}

template <>
void gemm<double>(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                  double alpha, const double* a, std::size_t lda, const double* b, std::size_t ldb,
                  double beta, double* c, std::size_t ldc) {
  for (std::size_t i = 0; i < m; ++i) {
    double* c_row = c + i * ldc;
    for (std::size_t j = 0; j < n; ++j) c_row[j] = beta == 0.0 ? 0.0 : beta * c_row[j];
    for (std::size_t p = 0; p < k; ++p) {
      const double a_ip = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
      if (trans_b) {
        for (std::size_t j = 0; j < n; ++j) c_row[j] += a_ip * b[j * ldb + p];
      } else {
        const double* b_row = b + p * ldb;
        for (std::size_t j = 0; j < n; ++j) c_row[j] += a_ip * b_row[j];
      }
    }
  }
}

}  // namespace unroll
