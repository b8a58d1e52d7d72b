#include "framework/gemm.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <array>
#include <xsimd/xsimd.hpp>

#include "framework/errors.hpp"
#include "framework/memory.hpp"
#include "framework/parallel.hpp"

namespace unroll {

void set_compute_threads(int threads) {
  if (threads < 1)
    throw ValueError(fmt::format("set_compute_threads: {} threads; at least 1", threads));
  omp_set_num_threads(threads);
}

namespace {

// c[j0 .. j0 + Rows) of row_times_transposed: Rows independent FMA chains share each load of a.
template <std::size_t Rows>
void rows_times_vector(std::size_t j0, std::size_t k, float alpha, const float* a, const float* b,
                       std::size_t ldb, float beta, float* c) {
  using Batch = xsimd::batch<float>;
  const std::size_t vector_end = k - k % Batch::size;
  std::array<Batch, Rows> acc;
  acc.fill(Batch(0.0f));
  for (std::size_t q = 0; q < vector_end; q += Batch::size) {
    const Batch x = Batch::load_unaligned(a + q);
    for (std::size_t i = 0; i < Rows; ++i)
      acc[i] = xsimd::fma(Batch::load_unaligned(b + (j0 + i) * ldb + q), x, acc[i]);
  }
  for (std::size_t i = 0; i < Rows; ++i) {
    const float* row = b + (j0 + i) * ldb;
    float dot = xsimd::hadd(acc[i]);
    for (std::size_t q = vector_end; q < k; ++q) dot += row[q] * a[q];
    c[j0 + i] = alpha * dot + (beta == 0.0f ? 0.0f : beta * c[j0 + i]);
  }
}

// c[j] = alpha · Σ_q a[q]·b[j, q] + beta · c[j]: one row times a row-major Wᵀ (a matrix-vector
// product, as when sampling one character at a time). Memory-bound on B; the rows of B are split
// over the OpenMP threads always the same way, so each core keeps its part of a weight matrix in
// its own cache from one call to the next (oneDNN streamed all of it through one core: 2× slower).
// Eight rows at a time: with one FMA chain per row each waited on the FMA latency (sampling from
// an M model: 7.5–7.8k characters/s; 4 rows 10.5k; 8 rows 11.0–11.7k, on 2 threads).
void row_times_transposed(std::size_t n, std::size_t k, float alpha, const float* a, const float* b,
                          std::size_t ldb, float beta, float* c) {
  constexpr std::size_t kRows = 8;
  const std::size_t groups = (n + kRows - 1) / kRows;
#pragma omp parallel for schedule(static)
  for (std::size_t g = 0; g < groups; ++g) {
    const std::size_t j0 = g * kRows;
    if (j0 + kRows <= n) {
      rows_times_vector<kRows>(j0, k, alpha, a, b, ldb, beta, c);
    } else {
      for (std::size_t j = j0; j < n; ++j) rows_times_vector<1>(j, k, alpha, a, b, ldb, beta, c);
    }
  }
}

// One oneDNN call on the calling thread (inside a parallel region oneDNN stays sequential).
// Returns oneDNN's status; the caller reports a failure with the whole product's arguments.
dnnl_status_t sgemm_block(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                          float alpha, const float* a, std::size_t lda, const float* b,
                          std::size_t ldb, float beta, float* c, std::size_t ldc) {
  return dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', static_cast<dnnl_dim_t>(m),
                    static_cast<dnnl_dim_t>(n), static_cast<dnnl_dim_t>(k), alpha, a,
                    static_cast<dnnl_dim_t>(lda), b, static_cast<dnnl_dim_t>(ldb), beta, c,
                    static_cast<dnnl_dim_t>(ldc));
}

// Below this many multiply-adds a GEMM runs on one thread: a parallel region costs more.
constexpr double kSplitMinMultiplyAdds = 1 << 18;

// Splits C into `parts` blocks of whole rows (when M ≥ N) or of 16-column groups, and runs each
// block as a sequential oneDNN call, the blocks shared out over `threads` threads. Measured here
// against oneDNN's own threading: the recurrent step's [B,H]·[4H,H]ᵀ runs 35 % faster (oneDNN
// packs a transposed B poorly when M is small), every other training shape the same, and
// oneDNN's threaded driver allocates on each call (~390 operator-new calls per M training step)
// where the sequential one does not.
dnnl_status_t sgemm_split(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                          float alpha, const float* a, std::size_t lda, const float* b,
                          std::size_t ldb, float beta, float* c, std::size_t ldc, std::size_t parts,
                          int threads) {
  const bool split_rows = m >= n;
  const std::size_t extent = split_rows ? m : n;
  const std::size_t grain = split_rows ? 1 : 16;
  const std::size_t groups = (extent + grain - 1) / grain;
  dnnl_status_t status = dnnl_success;
  auto run = [&](std::size_t part) {
    const std::size_t begin = std::min(extent, groups * part / parts * grain);
    const std::size_t end = std::min(extent, groups * (part + 1) / parts * grain);
    dnnl_status_t block = dnnl_success;
    if (begin < end && split_rows)
      block = sgemm_block(trans_a, trans_b, end - begin, n, k, alpha,
                          trans_a ? a + begin : a + begin * lda, lda, b, ldb, beta, c + begin * ldc,
                          ldc);
    else if (begin < end)
      block = sgemm_block(trans_a, trans_b, m, end - begin, k, alpha, a, lda,
                          trans_b ? b + begin * ldb : b + begin, ldb, beta, c + begin, ldc);
    if (block != dnnl_success) {
#pragma omp critical(unroll_gemm_status)
      status = block;
    }
  };
  if (threads == 1) {  // no parallel region at all (one thread's team still costs its set-up)
    for (std::size_t part = 0; part < parts; ++part) run(part);
  } else {
#pragma omp parallel for schedule(static) num_threads(threads)
    for (std::size_t part = 0; part < parts; ++part) run(part);
  }
  return status;
}

dnnl_status_t sgemm(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                    float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                    float beta, float* c, std::size_t ldc) {
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  // A large product is cut into the same blocks whatever the thread count — one per core (or per
  // thread, when more are asked for) — so each element of C comes from the same oneDNN call on one
  // thread as on many: oneDNN's kernels for a block of 32 rows and for one of 64 round
  // differently (seen for [M, K]·[N, K]ᵀ on an AMD EPYC), and training must give the same bits on
  // any number of threads (tests/models/training/test_training_threads.cpp).
  if (static_cast<double>(m) * n * k >= kSplitMinMultiplyAdds) {
    const auto parts = static_cast<std::size_t>(std::max(threads, omp_get_num_procs()));
    return sgemm_split(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, parts,
                       threads);
  }
  if (threads == 1)
    return sgemm_block(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  struct SequentialOneDnn {  // a small product outside a parallel region: keep oneDNN on 1 thread
    int threads;
    ~SequentialOneDnn() { omp_set_num_threads(threads); }
  } sequential{threads};
  omp_set_num_threads(1);
  return sgemm_block(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// A transposed A whose rows lie a multiple of 2 KB apart (lda = 512, 1024, 2048 floats: the
// weight gradients dW = dYᵀ·X of gates 4H = 512 or 1024 wide) runs at half speed in oneDNN's AVX2
// kernels: its packing walks A's rows, which then all fall into the same few cache sets. Measured
// here, one thread, [k, m]ᵀ·[k, n]: m = 1024, n = 256, k = 32 → 30 GFLOP/s as stored, 58 with
// rows 16 floats further apart; k = 256 → 29 and 67; m = 512, k = 32 → 45 and 75. Such an A is
// copied into rows of m + 16 floats (a plain row copy, ~3 % of the product's time) first, at
// most 256 of A's k rows at a time — each part a product of its own, accumulated into C — so the
// copy the caching allocator keeps is 256·(m + 16) floats however long the sequence (2 MB at L).
constexpr std::size_t kAliasingStride = 512;  // floats: 2 KB
constexpr std::size_t kPaddedStrideExtra = 16;
constexpr std::size_t kPaddedRows = 256;

struct PaddedCopy {  // A's k rows of m floats with stride m + 16, from the caching allocator
  float* data = nullptr;
  std::size_t bytes = 0;
  std::size_t ld = 0;
  PaddedCopy(const float* a, std::size_t lda, std::size_t rows, std::size_t cols)
      : ld(cols + kPaddedStrideExtra) {
    bytes = rows * ld * sizeof(float);
    data = static_cast<float*>(detail::cached_allocate(bytes));
    parallel_rows(rows, rows * cols, kParallelCopyElements,
                  [&](std::size_t r) { std::copy_n(a + r * lda, cols, data + r * ld); });
  }
  ~PaddedCopy() { detail::cached_deallocate(data, bytes); }
  PaddedCopy(const PaddedCopy&) = delete;
  PaddedCopy& operator=(const PaddedCopy&) = delete;
};

}  // namespace

template <>
void gemm<float>(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                 float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                 float beta, float* c, std::size_t ldc) {
  if (m == 0 || n == 0) return;
  if (m == 1 && !trans_a && trans_b) return row_times_transposed(n, k, alpha, a, b, ldb, beta, c);
  dnnl_status_t status = dnnl_success;
  if (trans_a && lda >= m && lda % kAliasingStride == 0 && k > 1) {
    for (std::size_t k0 = 0; k0 < k && status == dnnl_success; k0 += kPaddedRows) {
      const std::size_t rows = std::min(kPaddedRows, k - k0);
      const PaddedCopy padded(a + k0 * lda, lda, rows, m);
      status = sgemm(true, trans_b, m, n, rows, alpha, padded.data, padded.ld,
                     trans_b ? b + k0 : b + k0 * ldb, ldb, k0 == 0 ? beta : 1.0f, c, ldc);
    }
  } else {
    status = sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  if (status != dnnl_success)
    throw Error(fmt::format(
        "gemm: dnnl_sgemm failed with status {} for {}{} m={} n={} k={} lda={} ldb={} ldc={}",
        static_cast<int>(status), trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, lda, ldb,
        ldc));
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
