#include <catch2/catch.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/pointwise.hpp"
#include "framework/ops/reduce.hpp"
#include "framework/ops/shape.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

using Fn = GradcheckFn;
using Vars = std::vector<Var<double>>;

// An LSTM cell's gate math: the function the built-in LSTMCell fuses.
struct LstmMath {
  auto operator()(auto i, auto f, auto g, auto o, auto c) const {
    auto c_next = sigmoid(f) * c + sigmoid(i) * tanh(g);
    return std::array{sigmoid(o) * tanh(c_next), c_next};
  }
};

// The same with one op per function (the reference).
template <class T>
std::array<Var<T>, 2> lstm_by_ops(const Var<T>& gates, const Var<T>& c) {
  auto ifgo = chunk(gates, 4, 1);
  auto c_next = sigmoid(ifgo[1]) * c + sigmoid(ifgo[0]) * tanh(ifgo[2]);
  return {sigmoid(ifgo[3]) * tanh(c_next), c_next};
}

}  // namespace

TEST_CASE("pointwise equals the same function composed of ops, values and gradients",
          "[pointwise]") {
  // Width 19 runs both the vector body and the scalar tail (8 doubles / 16 floats per vector).
  for (std::size_t width : {19, 40}) {
    Var<double> gates(random_array({3, 4 * width}, 1, -3, 3), true);
    Var<double> c(random_array({3, width}, 2), true);
    auto [h, c_next] = pointwise<2>("lstm_math", LstmMath{}, parts<4>(gates), c);
    auto [h_ref, c_ref] = lstm_by_ops(gates, c);
    CHECK(all_close(h.value(), h_ref.value(), 1e-14));
    CHECK(all_close(c_next.value(), c_ref.value(), 1e-14));
    CHECK(h.shape() == Shape{3, width});

    const Array<double> w1 = random_array({3, width}, 3), w2 = random_array({3, width}, 4);
    sum(h * Var<double>(w1) + c_next * Var<double>(w2)).backward();
    const Array<double> dgates = gates.grad(), dc = c.grad();
    gates.zero_grad(), c.zero_grad();
    sum(h_ref * Var<double>(w1) + c_ref * Var<double>(w2)).backward();
    CHECK(all_close(dgates, gates.grad(), 1e-12));
    CHECK(all_close(dc, c.grad(), 1e-12));
    tape<double>().reset();
  }
}

TEST_CASE("pointwise in float32 (xsimd exp and tanh) agrees with the ops within 1e-6",
          "[pointwise]") {
  Array<float> g = xt::cast<float>(random_array({5, 4 * 37}, 5, -4, 4));
  Array<float> c0 = xt::cast<float>(random_array({5, 37}, 6));
  Var<float> gates(g, true), c(c0, true);
  auto [h, c_next] = pointwise<2>("lstm_math", LstmMath{}, parts<4>(gates), c);
  auto [h_ref, c_ref] = lstm_by_ops(gates, c);
  CHECK(all_close(h.value(), h_ref.value(), 1e-6));
  CHECK(all_close(c_next.value(), c_ref.value(), 1e-6));
  sum(h + c_next * 0.5f).backward();
  const Array<float> dgates = gates.grad(), dc = c.grad();
  gates.zero_grad(), c.zero_grad();
  sum(h_ref + c_ref * 0.5f).backward();
  CHECK(all_close(dgates, gates.grad(), 1e-6));
  CHECK(all_close(dc, c.grad(), 1e-6));
  tape<float>().reset();
}

TEST_CASE("gradcheck: pointwise with several outputs, parts and a broadcast row",
          "[pointwise][gradcheck]") {
  const auto gates = random_array({3, 4 * 11}, 7, -2, 2);
  const auto c = random_array({3, 11}, 8);
  REQUIRE_GRADCHECK(Fn([](const Vars& v) {
                      auto [h, c_next] =
                          pointwise<2>("lstm_math", LstmMath{}, parts<4>(v[0]), v[1]);
                      return concat({h, c_next}, 1);
                    }),
                    (std::vector{gates, c}));
  // A peephole-style weight [W] broadcast over the rows: its gradient sums over them.
  const auto peep = random_array({11}, 9);
  REQUIRE_GRADCHECK(Fn([](const Vars& v) {
                      return pointwise(
                          "peephole", [](auto x, auto c, auto w) { return sigmoid(x + w * c) * c; },
                          v[0], v[1], v[2]);
                    }),
                    (std::vector<Array<double>>{c, c * 0.5 + 0.1, peep}));
}

TEST_CASE("a broadcast input's gradient sums every row, also when rows run on several threads",
          "[pointwise]") {
  // 64 × 256 elements: above the size from which rows are split over the OpenMP threads.
  unroll::testing::ComputeThreads two(2);
  REQUIRE(omp_get_max_threads() == 2);
  Var<float> x(xt::cast<float>(random_array({64, 256}, 30)), true);
  Var<float> w(xt::cast<float>(random_array({256}, 31)), true);
  auto y = pointwise(
      "scaled", [](auto a, auto b) { return sigmoid(a * b); }, x, w);
  sum(y).backward();
  const Array<float> dw = w.grad(), dx = x.grad();
  w.zero_grad(), x.zero_grad();
  sum(sigmoid(x * w)).backward();
  CHECK(all_close(dw, w.grad(), 1e-4));
  CHECK(all_close(dx, x.grad(), 1e-6));
  // No broadcast input: backward's rows are split over the two threads too.
  Var<float> v(xt::cast<float>(random_array({64, 256}, 32)), true);
  x.zero_grad(), v.zero_grad();
  sum(pointwise(
          "scaled", [](auto a, auto b) { return sigmoid(a * b); }, x, v))
      .backward();
  const Array<float> split_dx = x.grad(), split_dv = v.grad();
  x.zero_grad(), v.zero_grad();
  sum(sigmoid(x * v)).backward();
  CHECK(all_close(split_dx, x.grad(), 1e-6));
  CHECK(all_close(split_dv, v.grad(), 1e-6));
  tape<float>().reset();
}

TEST_CASE("gradcheck: every function a pointwise body may use", "[pointwise][gradcheck]") {
  const auto x = random_array({2, 13}, 10, 0.3, 2.0);  // positive: log and sqrt are defined
  const auto y = random_array({2, 13}, 11, -2.0, 2.0);
  const std::vector inputs{x, y};
  REQUIRE_GRADCHECK(Fn([](const Vars& v) {
                      return pointwise(
                          "arith",
                          [](auto a, auto b) {
                            return (a + b) * (a - b) / (a * 2.0 + 1) - 3.0 / a + (1 - b) * 0.5 + -b;
                          },
                          v[0], v[1]);
                    }),
                    inputs);
  REQUIRE_GRADCHECK(
      Fn([](const Vars& v) {
        return pointwise(
            "functions",
            [](auto a, auto b) { return exp(b) + log(a) + sqrt(a) + tanh(b) + sigmoid(b * a); },
            v[0], v[1]);
      }),
      inputs);
  const auto away = random_array({2, 13}, 12, 0.2, 1.0);  // relu away from its kink
  REQUIRE_GRADCHECK(Fn([](const Vars& v) {
                      return pointwise(
                          "relu", [](auto a, auto b) { return relu(a - b) * b; }, v[0], v[1]);
                    }),
                    (std::vector<Array<double>>{away * 2.0, away}));
  REQUIRE_GRADCHECK(Fn([](const Vars& v) {
                      return pointwise(
                          "relu", [](auto a, auto b) { return relu(a - b) * b; }, v[0], v[1]);
                    }),
                    (std::vector<Array<double>>{away * -2.0, away}));
}

TEST_CASE("pointwise records one node and needs no gradient under NoGrad", "[pointwise]") {
  Var<float> a(Array<float>{{1, 2}, {3, 4}}, true), b(Array<float>{{5, 6}, {7, 8}});
  const std::size_t before = tape<float>().size();
  auto y = pointwise(
      "axpb", [](auto x, auto z) { return x * 2.0 + z; }, a, b);
  CHECK(tape<float>().size() == before + 1);
  CHECK(y.op() == std::string("axpb"));
  CHECK(all_close(y.value(), Array<float>{{7, 10}, {13, 16}}));
  {
    NoGrad no_grad;
    auto z = pointwise(
        "axpb", [](auto x, auto w) { return x * 2.0 + w; }, a, b);
    CHECK_FALSE(z.requires_grad());
  }
  tape<float>().reset();
}

TEST_CASE("pointwise rejects inputs whose shapes do not fit, naming the op",
          "[pointwise][errors]") {
  Var<float> a(Array<float>(xt::zeros<float>({3, 8}))), b(Array<float>(xt::zeros<float>({3, 5})));
  Var<float> rows2(Array<float>(xt::zeros<float>({2, 8})));
  auto f = [](auto x, auto y) { return x + y; };
  CHECK_THROWS_WITH(pointwise("sum2", f, a, b),
                    "sum2: input 1 [3,5] does not fit input 0 [3,8]: expected [3,8] (or one row "
                    "[8], broadcast) = 1 part(s) × width 8");
  CHECK_THROWS_WITH(pointwise("sum2", f, a, rows2),
                    "sum2: input 1 [2,8] does not fit input 0 [3,8]: expected [3,8] (or one row "
                    "[8], broadcast) = 1 part(s) × width 8");
  CHECK_THROWS_WITH(pointwise(
                        "g", [](auto p, auto q, auto r) { return p + q + r; }, parts<3>(a)),
                    "g: input 0 [3,8]: its last extent must be a positive multiple of its 3 parts");
  CHECK_THROWS_AS(pointwise("sum2", f, a, b), ShapeError);
}

TEST_CASE("pointwise checks whole shapes: the same rows in another layout are refused",
          "[pointwise][errors]") {
  auto zeros = [](const Shape& shape) { return Var<float>(Array<float>(xt::zeros<float>(shape))); };
  auto f = [](auto x, auto y) { return x * y; };
  CHECK_THROWS_WITH(pointwise("mul2", f, zeros({4, 8, 3}), zeros({8, 4, 3})),
                    "mul2: input 1 [8,4,3] does not fit input 0 [4,8,3]: expected [4,8,3] (or one "
                    "row [3], broadcast) = 1 part(s) × width 3");
  CHECK_THROWS_WITH(pointwise("mul2", f, zeros({32, 3}), zeros({4, 8, 3})),
                    "mul2: input 0 [32,3] does not fit input 1 [4,8,3]: expected [4,8,3] (or one "
                    "row [3], broadcast) = 1 part(s) × width 3");
  CHECK_THROWS_AS(pointwise("mul2", f, zeros({4, 8, 3}), zeros({2, 3})), ShapeError);
  CHECK_THROWS_AS(pointwise(
                      "mul3", [](auto p, auto q, auto r) { return p * q * r; }, zeros({3}),
                      zeros({1, 1, 1, 3}), zeros({4, 3})),
                  ShapeError);  // a single row of higher rank than the result
  CHECK_THROWS_AS(pointwise(
                      "g", [](auto p, auto q, auto r) { return p * q * r; },
                      parts<2>(zeros({4, 8, 6})), zeros({8, 4, 3})),
                  ShapeError);
  // The broadcasting it documents: a single row, [W] or [1, …, 1, W]; parts of the same rows.
  Var<float> x(Array<float>{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}});  // [2, 2, 2]
  Var<float> row(Array<float>{10, 20}), row3(Array<float>{{{1, -1}}});
  CHECK(all_close(pointwise("mul2", f, x, row).value(),
                  Array<float>{{{10, 40}, {30, 80}}, {{50, 120}, {70, 160}}}));
  CHECK(all_close(pointwise("mul2", f, row3, x).value(),
                  Array<float>{{{1, -2}, {3, -4}}, {{5, -6}, {7, -8}}}));
  auto p = pointwise(
      "g", [](auto a, auto b, auto c) { return a + b + c; },
      parts<2>(Var<float>(Array<float>(xt::ones<float>({2, 2, 4})))), x);
  CHECK(shape_str(p.shape()) == "[2,2,2]");
}

TEST_CASE("a pointwise name built at run time is kept after the string is gone",
          "[pointwise][errors]") {
  tape<double>().reset();
  auto w = Var<double>::parameter(Array<double>{1.0, 2.0});
  Var<double> y;
  {
    std::string name = "cell_" + std::to_string(7) + "_gates";
    y = pointwise(
        name.c_str(), [](auto a) { return a * a; }, w);
    name.assign(name.size(), '#');  // what a freed name's memory may hold next
  }
  CHECK(std::string(y.op()) == "cell_7_gates");
  w.mutable_value()(0) = 3.0;  // backward's error message reads the node's name
  CHECK_THROWS_WITH(sum(y).backward(),
                    Catch::Contains("'cell_7_gates'") && Catch::Contains("modified"));
  tape<double>().reset();
}
