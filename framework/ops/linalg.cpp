#include "framework/ops/linalg.hpp"

#include <algorithm>
#include <xtensor/xadapt.hpp>

#include "framework/gemm.hpp"
#include "framework/ops/op_support.hpp"
#include "framework/parallel.hpp"

namespace unroll {
namespace {

// Where a backward GEMM writes node's gradient: beta = 1 adds to an existing gradient in place,
// beta = 0 overwrites a fresh buffer.
template <class T>
T prepare_grad(Node<T>& node) {
  if (node.has_grad) return T(1);
  node.grad.resize(node.value_shape());
  node.has_grad = true;
  return T(0);
}

// Shapes of a matmul, validated: batch (1 when unbatched), m, k, n, and whether b is shared.
struct MatmulDims {
  std::size_t batch, m, k, n;
  bool shared_b;
};

MatmulDims matmul_dims(const Shape& a, const Shape& b) {
  auto fail = [&](const std::string& why) {
    return ShapeError(fmt::format("matmul: {} x {}: {}", shape_str(a), shape_str(b), why));
  };
  if (a.size() < 2 || a.size() > 3 || b.size() < 2 || b.size() > 3 || b.size() > a.size())
    throw fail("supported ranks are 2x2, 3x3 and 3x2");
  const std::size_t ka = a[a.size() - 1], kb = b[b.size() - 2];
  if (ka != kb) throw fail(fmt::format("inner dimensions {} and {} differ", ka, kb));
  if (a.size() == 3 && b.size() == 3 && a[0] != b[0])
    throw fail(fmt::format("batch sizes {} and {} differ", a[0], b[0]));
  const bool batched = a.size() == 3;
  const bool shared_b = batched && b.size() == 2;
  // A shared b treats the batch of a as extra rows: one [B·M, K]·[K, N] GEMM.
  const std::size_t batch = batched && !shared_b ? a[0] : 1;
  const std::size_t m = shared_b ? a[0] * a[1] : a[a.size() - 2];
  return {batch, m, ka, b[b.size() - 1], shared_b};
}

template <class T>
void matmul_backward(Node<T>& node) {
  Node<T>& a = node.input(0);
  Node<T>& b = node.input(1);
  const auto d = matmul_dims(a.value.shape(), b.value.shape());
  const T* dy = node.grad.data();
  if (a.requires_grad) {
    const T beta = prepare_grad(a);
    for (std::size_t i = 0; i < d.batch; ++i)  // da = dy·bᵀ
      gemm<T>(false, true, d.m, d.k, d.n, T(1), dy + i * d.m * d.n, d.n,
              b.value.data() + i * d.k * d.n, d.n, beta, a.grad.data() + i * d.m * d.k, d.k);
  }
  if (b.requires_grad) {
    const T beta = prepare_grad(b);
    for (std::size_t i = 0; i < d.batch; ++i)  // db = aᵀ·dy
      gemm<T>(true, false, d.k, d.n, d.m, T(1), a.value.data() + i * d.m * d.k, d.k,
              dy + i * d.m * d.n, d.n, beta, b.grad.data() + i * d.k * d.n, d.n);
  }
}

// Rows and width of x [..., in] checked against weight [out, in] (and bias [out] or [..., out]).
template <class T>
std::size_t linear_rows(const Var<T>& x, const Var<T>& w, const Var<T>* bias) {
  const auto& xs = x.shape();
  const auto& ws = w.shape();
  if (ws.size() != 2)
    throw ShapeError(fmt::format("linear: weight must be [out, in], got {}", shape_str(ws)));
  if (xs.empty() || xs.back() != ws[1])
    throw ShapeError(fmt::format("linear: input {} x weight {}: input width must equal {} (in)",
                                 shape_str(xs), shape_str(ws), ws[1]));
  if (ws[1] == 0)  // rows = x.size() / in below; a zero-width layer is a configuration mistake
    throw ShapeError(fmt::format("linear: input {} x weight {}: the input width (in) is 0",
                                 shape_str(xs), shape_str(ws)));
  if (bias) {
    Shape full = xs;
    full.back() = ws[0];
    const auto& bs = bias->shape();
    if (!(bs.size() == 1 && bs[0] == ws[0]) && bs != full)
      throw ShapeError(fmt::format("linear: bias {} must be [{}] or {} for input {} and weight {}",
                                   shape_str(bs), ws[0], shape_str(full), shape_str(xs),
                                   shape_str(ws)));
  }
  return x.size() / ws[1];
}

template <class T>
void linear_backward(Node<T>& node) {
  Node<T>& x = node.input(0);
  Node<T>& w = node.input(1);
  const std::size_t out = w.value.shape()[0], in = w.value.shape()[1];
  const std::size_t rows = x.value.size() / in;
  const T* dy = node.grad.data();  // [rows, out]
  // prepare_grad resizes the buffer, so it runs before grad.data() is taken.
  if (x.requires_grad) {  // dx = dy·W
    const T beta = prepare_grad(x);
    gemm<T>(false, false, rows, in, out, T(1), dy, out, w.value.data(), in, beta, x.grad.data(),
            in);
  }
  if (w.requires_grad) {  // dW = dyᵀ·x
    const T beta = prepare_grad(w);
    gemm<T>(true, false, out, in, rows, T(1), dy, out, x.value.data(), in, beta, w.grad.data(), in);
  }
  if (node.inputs.size() == 3 && node.input(2).requires_grad &&
      node.input(2).value_shape().size() != 1) {  // a per-row base: db = dy
    Node<T>& b = node.input(2);
    detail::accumulate(b, xt::adapt(dy, rows * out, xt::no_ownership(), b.value_shape()));
  } else if (node.inputs.size() == 3 && node.input(2).requires_grad) {  // db = Σ_rows dy
    Node<T>& b = node.input(2);
    const T beta = prepare_grad(b);
    T* db = b.grad.data();
    if (beta == T(0)) std::fill(db, db + out, T(0));
    // Each thread sums its own columns over every row (the order of the sum stays the same), in
    // chunks of at most 256 columns: each row's part is read contiguously and the chunk of db
    // stays in L1 (16-column strips read one cache line per row, rows 8 KB apart at 4H = 2048);
    // a narrow output (a vocabulary of 65) is still split over the threads.
    const std::size_t chunk = column_chunk(out, 256), column_chunks = (out + chunk - 1) / chunk;
    parallel_rows(column_chunks, rows * out, kParallelCopyElements, [&](std::size_t c) {
      const std::size_t begin = c * chunk, end = std::min(out, begin + chunk);
      for (std::size_t r = 0; r < rows; ++r) {
        const T* dy_row = dy + r * out;
        for (std::size_t j = begin; j < end; ++j) db[j] += dy_row[j];
      }
    });
  }
}

template <class T>
Var<T> linear_impl(const Var<T>& x, const Var<T>& w, const Var<T>* bias) {
  const std::size_t rows = linear_rows(x, w, bias);
  const std::size_t out = w.dim(0), in = w.dim(1);
  // Backward reads x and W, not the bias or the result.
  Var<T> y =
      bias ? detail::make_result<T>("linear", {&x, &w, bias}, linear_backward<T>, input_values(2))
           : detail::make_result<T>("linear", {&x, &w}, linear_backward<T>, input_values(2));
  Shape shape = x.shape();
  shape.back() = out;
  Array<T>& v = y.node()->value;
  v.resize(shape);
  if (bias) {  // every row starts as b (or its own row of a per-row base); the GEMM adds x·Wᵀ
    const T* base = bias->value().data();
    const std::size_t pitch = bias->rank() == 1 ? 0 : out;
    T* y_rows = v.data();
    parallel_rows(rows, rows * out, kParallelCopyElements,
                  [&](std::size_t r) { std::copy_n(base + r * pitch, out, y_rows + r * out); });
  }
  gemm<T>(false, true, rows, out, in, T(1), x.value().data(), in, w.value().data(), in,
          bias ? T(1) : T(0), v.data(), out);
  return y;
}

}  // namespace

template <class T>
Var<T> matmul(const Var<T>& a, const Var<T>& b) {
  const auto d = matmul_dims(a.shape(), b.shape());
  Var<T> y = detail::make_result<T>("matmul", {&a, &b}, matmul_backward<T>, input_values(2));
  Shape shape = a.shape();
  shape.back() = d.n;
  Array<T>& v = y.node()->value;
  v.resize(shape);
  for (std::size_t i = 0; i < d.batch; ++i)
    gemm<T>(false, false, d.m, d.n, d.k, T(1), a.value().data() + i * d.m * d.k, d.k,
            b.value().data() + i * d.k * d.n, d.n, T(0), v.data() + i * d.m * d.n, d.n);
  return y;
}

template <class T>
Var<T> linear(const Var<T>& x, const Var<T>& weight, const Var<T>& bias) {
  return linear_impl(x, weight, &bias);
}

template <class T>
Var<T> linear(const Var<T>& x, const Var<T>& weight) {
  return linear_impl<T>(x, weight, nullptr);
}

#define UNROLL_INSTANTIATE(T)                                          \
  template Var<T> matmul(const Var<T>&, const Var<T>&);                \
  template Var<T> linear(const Var<T>&, const Var<T>&, const Var<T>&); \
  template Var<T> linear(const Var<T>&, const Var<T>&);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
