#include <catch2/catch.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/reduce.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::array_of;
using unroll::testing::random_array;

namespace {
using Fn = GradcheckFn;
using Vars = std::vector<Var<double>>;
}  // namespace

TEST_CASE("matmul forward on hand-computed values", "[linalg]") {
  Var<double> a(Array<double>{{1, 2}, {3, 4}, {5, 6}});  // [3,2]
  Var<double> b(Array<double>{{1, 0, -1}, {2, 1, 0}});   // [2,3]
  CHECK(all_close(matmul(a, b).value(), Array<double>{{5, 2, -1}, {11, 4, -3}, {17, 6, -5}}));
  Var<double> batch(array_of({2, 1, 2}, {1, 2, 3, 4}));
  Var<double> bb(array_of({2, 2, 1}, {1, 1, 2, 0}));
  CHECK(all_close(matmul(batch, bb).value(), array_of({2, 1, 1}, {3, 6})));
  CHECK(all_close(matmul(batch, b).value(), array_of({2, 1, 3}, {5, 2, -1, 11, 4, -3})));
}

TEST_CASE("linear forward: x·Wᵀ + b with PyTorch's weight layout", "[linalg]") {
  Var<double> x(Array<double>{{1, 2}, {3, 4}});          // [2, in=2]
  Var<double> w(Array<double>{{1, 0}, {0, 1}, {1, 1}});  // [out=3, in=2]
  Var<double> b(Array<double>{0.5, -0.5, 1.0});          // [3]
  CHECK(all_close(linear(x, w, b).value(), Array<double>{{1.5, 1.5, 4}, {3.5, 3.5, 8}}));
  CHECK(all_close(linear(x, w).value(), Array<double>{{1, 2, 3}, {3, 4, 7}}));
  Var<double> x3(array_of({2, 1, 2}, {1, 2, 3, 4}));  // leading axes are rows
  CHECK(linear(x3, w, b).shape() == Shape{2, 1, 3});
}

TEST_CASE("float (oneDNN) and double matmul/linear agree", "[linalg]") {
  const auto ad = random_array({5, 7}, 1), bd = random_array({7, 3}, 2);
  const auto wd = random_array({4, 7}, 3), biasd = random_array({4}, 4);
  Var<double> a(ad), b(bd), w(wd), bias(biasd);
  Var<float> af(xt::cast<float>(ad)), bf(xt::cast<float>(bd)), wf(xt::cast<float>(wd)),
      biasf(xt::cast<float>(biasd));
  CHECK(all_close(matmul(af, bf).value(), matmul(a, b).value(), 1e-5));
  CHECK(all_close(linear(af, wf, biasf).value(), linear(a, w, bias).value(), 1e-5));
}

TEST_CASE("gradcheck: matmul 2-D, batched, and shared right operand", "[linalg][gradcheck]") {
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return matmul(v[0], v[1]); }),
                    (std::vector{random_array({3, 4}, 1), random_array({4, 5}, 2)}));
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return matmul(v[0], v[1]); }),
                    (std::vector{random_array({2, 3, 4}, 3), random_array({2, 4, 2}, 4)}));
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return matmul(v[0], v[1]); }),
                    (std::vector{random_array({2, 3, 4}, 5), random_array({4, 2}, 6)}));
}

TEST_CASE("gradcheck: linear with and without bias, with leading axes", "[linalg][gradcheck]") {
  const auto x = random_array({3, 4}, 7), w = random_array({5, 4}, 8), b = random_array({5}, 9);
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return linear(v[0], v[1], v[2]); }),
                    (std::vector{x, w, b}));
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return linear(v[0], v[1]); }), (std::vector{x, w}));
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return linear(v[0], v[1], v[2]); }),
                    (std::vector{random_array({2, 3, 4}, 10), w, b}));
}

TEST_CASE("linear's bias gradient over many rows is each column's sum in row order", "[linalg]") {
  // 64 rows × 600 columns on two threads: column chunks of 256 with a ragged last one.
  unroll::testing::ComputeThreads scope(2);
  const std::size_t rows = 64, out = 600;
  Var<float> x(xt::cast<float>(random_array({rows, 3}, 31))),
      w(xt::cast<float>(random_array({out, 3}, 32)));
  Var<float> b(xt::cast<float>(random_array({out}, 33)), true);
  const Array<float> dy = xt::cast<float>(random_array({rows, out}, 34));
  sum(linear(x, w, b) * Var<float>(dy)).backward();
  for (std::size_t j = 0; j < out; ++j) {
    float expected = 0;
    for (std::size_t r = 0; r < rows; ++r) expected += dy(r, j);
    INFO("column " << j);
    REQUIRE(b.grad()(j) == expected);  // the same additions in the same order: bit-identical
  }
  tape<float>().reset();
}

TEST_CASE("linear with a per-row base: base + x·Wᵀ in one node", "[linalg]") {
  Var<double> x(array_of({2, 2}, {1, 2, 3, 4}), true), w(array_of({3, 2}, {1, 0, 0, 1, 1, 1}));
  Var<double> base(array_of({2, 3}, {10, 20, 30, 40, 50, 60}), true);
  auto y = linear(x, w, base);
  CHECK(all_close(y.value(), array_of({2, 3}, {11, 22, 33, 43, 54, 67})));
  CHECK(tape<double>().nodes().back() == y.node());  // one node, no separate add
  sum(y * Var<double>(array_of({2, 3}, {1, 2, 3, 4, 5, 6}))).backward();
  CHECK(all_close(base.grad(), array_of({2, 3}, {1, 2, 3, 4, 5, 6})));  // dbase = dy
  tape<double>().reset();
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return linear(v[0], v[1], v[2]); }),
                    (std::vector{random_array({2, 3, 4}, 21), random_array({5, 4}, 22),
                                 random_array({2, 3, 5}, 23)}));
  Var<double> bad(Array<double>::from_shape({3, 3}));
  CHECK_THROWS_WITH(linear(x, w, bad),
                    "linear: bias [3,3] must be [3] or [2,3] for input [2,2] and weight [3,2]");
}

TEST_CASE("gradcheck: fan-out through matmul (a recurrent weight used twice)",
          "[linalg][gradcheck]") {
  // h2 = tanh(W·tanh(W·h0)): the same W feeds two steps, as in an unrolled RNN.
  REQUIRE_GRADCHECK(Fn([](const Vars& v) {
                      auto h1 = tanh(linear(v[1], v[0]));
                      return tanh(linear(h1, v[0]) + v[1]);
                    }),
                    (std::vector{random_array({3, 3}, 11), random_array({2, 3}, 12)}));
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return matmul(v[0], v[0]); }),
                    (std::vector{random_array({3, 3}, 13)}));
}

TEST_CASE("linalg errors name the op and the shapes", "[linalg][errors]") {
  Var<double> a(Array<double>::from_shape({32, 64})), b(Array<double>::from_shape({128, 256}));
  CHECK_THROWS_AS(matmul(a, b), ShapeError);
  CHECK_THROWS_WITH(matmul(a, b),
                    "matmul: [32,64] x [128,256]: inner dimensions 64 and 128 differ");
  Var<double> v(Array<double>::from_shape({4}));
  CHECK_THROWS_AS(matmul(v, a), ShapeError);
  Var<double> batched(Array<double>::from_shape({2, 3, 4})),
      other(Array<double>::from_shape({3, 4, 5}));
  CHECK_THROWS_WITH(matmul(batched, other), Catch::Contains("batch sizes 2 and 3 differ"));
  Var<double> x(Array<double>::from_shape({3, 5})), w(Array<double>::from_shape({4, 6}));
  CHECK_THROWS_WITH(linear(x, w), Catch::Contains("linear") && Catch::Contains("[3,5]") &&
                                      Catch::Contains("[4,6]"));
  Var<double> w2(Array<double>::from_shape({4, 5})), bad_bias(Array<double>::from_shape({3}));
  CHECK_THROWS_AS(linear(x, w2, bad_bias), ShapeError);
}

TEST_CASE("linear refuses a zero-width input", "[linalg][errors]") {
  Var<double> x(Array<double>::from_shape({4, 0})), w(Array<double>::from_shape({3, 0}));
  Var<double> b(Array<double>(xt::ones<double>({3})));
  CHECK_THROWS_WITH(linear(x, w), "linear: input [4,0] x weight [3,0]: the input width (in) is 0");
  CHECK_THROWS_AS(linear(x, w, b), ShapeError);
}
