// Shared test helpers: array comparison, gradient-check assertions, a compute-threads scope.
#pragma once

#include <omp.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <sstream>

#include "framework/gemm.hpp"
#include "framework/gradcheck.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/tensor.hpp"

namespace unroll::testing {

// True when both lists hold arrays of the same shapes and bit for bit the same floats.
inline bool same_bits(const std::vector<Array<float>>& a, const std::vector<Array<float>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].shape() != b[i].shape() ||
        std::memcmp(a[i].data(), b[i].data(), a[i].size() * sizeof(float)) != 0)
      return false;
  return true;
}

// True when shapes match and every |a − b| ≤ tol·max(1, |b|).
template <class A, class B>
bool all_close(const A& a, const B& b, double tol = 1e-6) {
  if (a.shape().size() != b.shape().size()) return false;
  for (std::size_t i = 0; i < a.shape().size(); ++i)
    if (a.shape()[i] != b.shape()[i]) return false;
  auto ia = a.begin();
  auto ib = b.begin();
  for (; ia != a.end(); ++ia, ++ib) {
    const double x = static_cast<double>(*ia), y = static_cast<double>(*ib);
    if (!(std::abs(x - y) <= tol * std::max(1.0, std::abs(y)))) return false;
  }
  return true;
}

// An array of the given shape filled, row-major, with `values` (their count must match).
Array<double> array_of(const Shape& shape, std::initializer_list<double> values);

// Deterministic test data: values in [lo, hi) from a fixed seed.
Array<double> random_array(const Shape& shape, unsigned seed, double lo = -1.0, double hi = 1.0);

// Runs a scope with `threads` compute threads and restores the previous count, even on a throw.
struct ComputeThreads {
  int previous = omp_get_max_threads();
  explicit ComputeThreads(int threads) { set_compute_threads(threads); }
  ~ComputeThreads() { set_compute_threads(previous); }
  ComputeThreads(const ComputeThreads&) = delete;
  ComputeThreads& operator=(const ComputeThreads&) = delete;
};

// Does `op` let its input's value go? h = x + x (x of `shape`) is an intermediate whose own
// backward reads no value, so only `op` could keep h's value alive.
template <class Op>
bool frees_its_input(Op op, const Shape& shape) {
  Var<double> x(random_array(shape, 99), true);
  Node<double>* h_node = nullptr;
  Var<double> y;
  {
    const Var<double> h = x + x;
    h_node = h.node();
    y = op(h);
  }
  const bool freed = h_node->value_freed;
  tape<double>().reset();
  return freed;
}

}  // namespace unroll::testing

// `expr` throws `type` with a message containing `text`.
#define REQUIRE_THROWS_NAMING(expr, type, text)       \
  do {                                                \
    REQUIRE_THROWS_AS(expr, type);                    \
    REQUIRE_THROWS_WITH(expr, Catch::Contains(text)); \
  } while (0)

// Asserts that gradcheck passes, printing the worst element when it does not.
// Usage: REQUIRE_GRADCHECK(fn, {x, y}) — the inputs may be a braced list.
#define REQUIRE_GRADCHECK(f, ...)                                      \
  do {                                                                 \
    const auto gradcheck_result = ::unroll::gradcheck(f, __VA_ARGS__); \
    INFO(gradcheck_result.worst);                                      \
    INFO("max error " << gradcheck_result.max_error);                  \
    REQUIRE(gradcheck_result.passed);                                  \
  } while (0)
