#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "framework/errors.hpp"
#include "framework/gemm.hpp"
#include "framework/memory.hpp"
#include "tests/support.hpp"

using unroll::gemm;
using unroll::testing::ComputeThreads;

namespace {

// Reference C = alpha·op(A)·op(B) + beta·C in long double, and each element's magnitude
// |alpha|·Σ_p |a_ip·b_pj| + |beta·c_ij|: the sum of the absolute values of its terms.
template <class T>
std::pair<std::vector<T>, std::vector<double>> reference(bool ta, bool tb, std::size_t m,
                                                         std::size_t n, std::size_t k, T alpha,
                                                         const std::vector<T>& a,
                                                         const std::vector<T>& b, T beta,
                                                         std::vector<T> c) {
  std::vector<double> magnitude(m * n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      long double s = 0, abs_s = 0;
      for (std::size_t p = 0; p < k; ++p) {
        const long double term = static_cast<long double>(ta ? a[p * m + i] : a[i * k + p]) *
                                 (tb ? b[j * k + p] : b[p * n + j]);
        s += term;
        abs_s += std::abs(term);
      }
      magnitude[i * n + j] =
          static_cast<double>(std::abs(alpha) * abs_s + std::abs(beta * c[i * n + j]));
      c[i * n + j] = static_cast<T>(alpha * s + beta * c[i * n + j]);
    }
  return {c, magnitude};
}

// Every transpose and beta against the reference: |c − expected| ≤ 8·ε·magnitude, with magnitude
// the sum of the absolute values of the element's terms. The result is rounded twice (the GEMM's
// and the reference's, ε/2 each) and its sum, taken in blocks and FMA chains, adds a few ε of the
// terms' size (at most 2ε in all measured here, k from 2 to 50,000). The bound does not grow with
// k, so a dropped term fails: at k = 50,000 one of |a·b| > 0.01.
template <class T>
void check_all_transposes(std::size_t m = 7, std::size_t n = 5, std::size_t k = 9) {
  constexpr double kUnits = 8;
  const double tol = kUnits * std::numeric_limits<T>::epsilon();
  std::mt19937 rng(3);
  std::uniform_real_distribution<T> dist(-1, 1);
  std::vector<T> a(m * k), b(k * n), c0(m * n);
  for (auto* v : {&a, &b, &c0})
    for (auto& x : *v) x = dist(rng);
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (T beta : {T(0), T(1), T(0.5)}) {
        std::vector<T> c = c0;
        gemm<T>(ta, tb, m, n, k, T(2), a.data(), ta ? m : k, b.data(), tb ? k : n, beta, c.data(),
                n);
        const auto [expected, magnitude] = reference<T>(ta, tb, m, n, k, T(2), a, b, beta, c0);
        for (std::size_t i = 0; i < c.size(); ++i) {
          INFO("transA " << ta << " transB " << tb << " beta " << beta << " element " << i);
          INFO("got " << c[i] << ", expected " << expected[i] << ", magnitude " << magnitude[i]);
          REQUIRE(std::abs(double(c[i]) - double(expected[i])) <= tol * magnitude[i]);
        }
      }
}

}  // namespace

TEST_CASE("float gemm (oneDNN) split over threads matches the reference", "[gemm]") {
  // Large enough to be split (≥ 2^18 multiply-adds): by rows (M ≥ N), by 16-column groups with
  // a ragged last group (N = 200), and M, N smaller than the number of threads.
  for (int threads : {2, 3}) {
    ComputeThreads scope(threads);
    INFO(threads << " threads");
    check_all_transposes<float>(300, 40, 64);
    check_all_transposes<float>(20, 200, 100);
    check_all_transposes<float>(2, 3, 50000);
  }
}

TEST_CASE("float gemm with a transposed A of rows 2 KB apart (copied to padded rows) matches",
          "[gemm]") {
  for (int threads : {1, 2}) {
    ComputeThreads scope(threads);
    INFO(threads << " threads");
    check_all_transposes<float>(512, 24, 33);  // lda = 512 when A is transposed
    check_all_transposes<float>(1024, 3, 2);
  }
}

TEST_CASE("a transposed A read with its own lda, in parts of 256 rows, matches the reference",
          "[gemm]") {
  // A is [k = 600, m = 200] inside rows of lda = 1024 whose unused columns hold NaN: a copy that
  // read past m, or with the wrong stride, would poison C. 600 rows are three padded parts.
  const std::size_t m = 200, n = 24, k = 600, lda = 1024;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> stored(k * lda, NAN), compact(k * m), b(k * n), bt(n * k), c0(m * n);
  for (std::size_t q = 0; q < k; ++q)
    for (std::size_t i = 0; i < m; ++i) stored[q * lda + i] = compact[q * m + i] = dist(rng);
  for (auto& x : b) x = dist(rng);
  for (std::size_t q = 0; q < k; ++q)
    for (std::size_t j = 0; j < n; ++j) bt[j * k + q] = b[q * n + j];
  for (auto& x : c0) x = dist(rng);
  const auto [expected, magnitude] =
      reference<float>(true, false, m, n, k, 2.0f, compact, b, 0.5f, c0);
  const double tol = 8 * std::numeric_limits<float>::epsilon();  // as check_all_transposes
  for (int threads : {1, 2})
    for (bool tb : {false, true}) {
      ComputeThreads scope(threads);
      INFO(threads << " threads, transB " << tb);
      std::vector<float> c = c0;
      const auto before = unroll::memory_stats();
      gemm<float>(true, tb, m, n, k, 2.0f, stored.data(), lda, tb ? bt.data() : b.data(),
                  tb ? k : n, 0.5f, c.data(), n);
      const auto after = unroll::memory_stats();
      CHECK(after.system_allocs + after.reuses > before.system_allocs + before.reuses);  // copied
      for (std::size_t i = 0; i < c.size(); ++i) {
        INFO("element " << i);
        REQUIRE(std::abs(double(c[i]) - double(expected[i])) <= tol * magnitude[i]);
      }
    }
}

TEST_CASE("a GEMM oneDNN refuses names the whole call", "[gemm]") {
  std::vector<float> a(300 * 1024, 1.0f), b(1024 * 300, 1.0f), c(300 * 300);
  for (int threads : {1, 2}) {
    ComputeThreads scope(threads);
    // lda = 10 is shorter than A's rows of k = 1024.
    CHECK_THROWS_WITH(gemm<float>(false, false, 300, 300, 1024, 1.0f, a.data(), 10, b.data(), 300,
                                  0.0f, c.data(), 300),
                      Catch::Contains("gemm: dnnl_sgemm failed") &&
                          Catch::Contains("NN m=300 n=300 k=1024 lda=10 ldb=300 ldc=300"));
    // lda = 0 is a multiple of 2 KB, but no padded copy may hide that it is shorter than m.
    CHECK_THROWS_WITH(gemm<float>(true, false, 300, 300, 1024, 1.0f, a.data(), 0, b.data(), 300,
                                  0.0f, c.data(), 300),
                      Catch::Contains("TN m=300 n=300 k=1024 lda=0 ldb=300 ldc=300"));
  }
}

TEST_CASE("float gemm (oneDNN) matches a reference for every transpose and beta", "[gemm]") {
  check_all_transposes<float>();
}

TEST_CASE("float row × matrixᵀ (the sampling GEMV path) matches the reference", "[gemm]") {
  // A group of 8 rows and 5 single ones; a vector body and a scalar tail.
  check_all_transposes<float>(1, 13, 37);
  check_all_transposes<float>(1, 3, 64);
}

TEST_CASE("double gemm matches a reference for every transpose and beta", "[gemm]") {
  check_all_transposes<double>();
}

TEST_CASE("beta = 0 ignores garbage already in C (NaN included)", "[gemm]") {
  std::vector<float> a{1, 2}, b{3, 4}, c{NAN};
  gemm<float>(false, false, 1, 1, 2, 1.0f, a.data(), 2, b.data(), 1, 0.0f, c.data(), 1);
  CHECK(c[0] == 11.0f);
  std::vector<double> ad{1, 2}, bd{3, 4}, cd{NAN};
  gemm<double>(false, false, 1, 1, 2, 1.0, ad.data(), 2, bd.data(), 1, 0.0, cd.data(), 1);
  CHECK(cd[0] == 11.0);
}
