#include <catch2/catch.hpp>
#include <cmath>

#include "framework/ops/elementwise.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::array_of;
using unroll::testing::random_array;

namespace {

using Fn = GradcheckFn;
using Vars = std::vector<Var<double>>;

// Values kept away from the kinks and poles of abs, relu, clamp, log, sqrt and division.
Array<double> away_from_zero(const Shape& shape, unsigned seed) {
  Array<double> a = random_array(shape, seed, 0.2, 1.5);
  for (std::size_t i = 0; i < a.size(); i += 2) a.data()[i] = -a.data()[i];
  return a;
}

}  // namespace

TEST_CASE("elementwise forward on hand-computed values", "[elementwise]") {
  Var<double> a(Array<double>{1.0, -2.0, 0.5});
  Var<double> b(Array<double>{4.0, 0.5, -1.0});
  CHECK(all_close((a + b).value(), Array<double>{5.0, -1.5, -0.5}));
  CHECK(all_close((a - b).value(), Array<double>{-3.0, -2.5, 1.5}));
  CHECK(all_close((a * b).value(), Array<double>{4.0, -1.0, -0.5}));
  CHECK(all_close((a / b).value(), Array<double>{0.25, -4.0, -0.5}));
  CHECK(all_close((-a).value(), Array<double>{-1.0, 2.0, -0.5}));
  CHECK(all_close((a + 1.0).value(), Array<double>{2.0, -1.0, 1.5}));
  CHECK(all_close((1.0 - a).value(), Array<double>{0.0, 3.0, 0.5}));
  CHECK(all_close((a * 3.0).value(), Array<double>{3.0, -6.0, 1.5}));
  CHECK(all_close((a / 2.0).value(), Array<double>{0.5, -1.0, 0.25}));
  CHECK(all_close((2.0 / b).value(), Array<double>{0.5, 4.0, -2.0}));
  CHECK(all_close(pow(b, 2.0).value(), Array<double>{16.0, 0.25, 1.0}));
  CHECK(all_close(exp(Var<double>(Array<double>{0.0, 1.0})).value(),
                  Array<double>{1.0, 2.718281828459045}));
  CHECK(all_close(log(Var<double>(Array<double>{1.0, 2.718281828459045})).value(),
                  Array<double>{0.0, 1.0}));
  CHECK(all_close(sqrt(Var<double>(Array<double>{4.0, 0.25})).value(), Array<double>{2.0, 0.5}));
  CHECK(all_close(tanh(Var<double>(Array<double>{0.0, 0.5})).value(),
                  Array<double>{0.0, 0.46211715726000974}));
  CHECK(all_close(sigmoid(Var<double>(Array<double>{0.0, 2.0, -800.0})).value(),
                  Array<double>{0.5, 0.8807970779778823, 0.0}));
  CHECK(all_close(relu(a).value(), Array<double>{1.0, 0.0, 0.5}));
  CHECK(std::isnan(relu(Var<double>(Array<double>{NAN})).value()(0)));  // as PyTorch: NaN stays
  CHECK(all_close(clamp(a, -1.0, 0.75).value(), Array<double>{0.75, -1.0, 0.5}));
  CHECK(all_close(abs(a).value(), Array<double>{1.0, 2.0, 0.5}));
  CHECK(all_close(unroll::where(xt::xarray<bool>{true, false, true}, a, b).value(),
                  Array<double>{1.0, 0.5, 0.5}));
}

TEST_CASE("binary ops broadcast like NumPy", "[elementwise]") {
  Var<double> m(Array<double>{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});  // [2,3]
  Var<double> row(Array<double>{10.0, 20.0, 30.0});                // [3]
  Var<double> col(array_of({2, 1}, {1.0, 2.0}));                   // [2,1]
  CHECK(all_close((m + row).value(), Array<double>{{11, 22, 33}, {14, 25, 36}}));
  CHECK(all_close((m * col).value(), Array<double>{{1, 2, 3}, {8, 10, 12}}));
  CHECK(all_close((row - col).value(), Array<double>{{9, 19, 29}, {8, 18, 28}}));
}

TEST_CASE("float and double forward agree", "[elementwise]") {
  const Array<double> xd = random_array({4, 5}, 11, -2, 2);
  const Array<float> xf = xt::cast<float>(xd);
  Var<double> vd(xd);
  Var<float> vf(xf);
  CHECK(all_close(tanh(vd * vd + 0.5).value(), tanh(vf * vf + 0.5f).value(), 1e-6));
  CHECK(all_close(sigmoid(vd / 3.0).value(), sigmoid(vf / 3.0f).value(), 1e-6));
  CHECK(all_close(exp(clamp(vd, -1.0, 1.0)).value(), exp(clamp(vf, -1.0f, 1.0f)).value(), 1e-6));
}

TEST_CASE("gradcheck: unary ops", "[elementwise][gradcheck]") {
  const auto x = away_from_zero({3, 4}, 1);
  const auto positive = random_array({3, 4}, 2, 0.3, 2.0);
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return neg(v[0]); }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return exp(v[0]); }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return tanh(v[0]); }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return sigmoid(v[0]); }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return relu(v[0]); }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return abs(v[0]); }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return clamp(v[0], -1.0, 1.0); }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return log(v[0]); }), {positive});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return sqrt(v[0]); }), {positive});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return pow(v[0], 3.0); }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return pow(v[0], -1.5); }), {positive});
}

TEST_CASE("gradcheck: scalar forms", "[elementwise][gradcheck]") {
  const auto x = away_from_zero({2, 3}, 3);
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return v[0] + 2.0; }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return 2.0 - v[0]; }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return v[0] * -3.0; }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return v[0] / 4.0; }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return 1.5 / v[0]; }), {x});
}

TEST_CASE("gradcheck: binary ops, same shapes and broadcast", "[elementwise][gradcheck]") {
  const auto a = away_from_zero({3, 4}, 4);
  const auto b = away_from_zero({3, 4}, 5);
  const auto row = away_from_zero({4}, 6);
  const auto col = away_from_zero({3, 1}, 7);
  const auto batch = away_from_zero({2, 3, 4}, 8);
  for (const auto& [x, y] : std::vector<std::pair<Array<double>, Array<double>>>{
           {a, b}, {a, row}, {row, a}, {a, col}, {col, row}, {batch, a}, {col, batch}}) {
    REQUIRE_GRADCHECK(Fn([](const Vars& v) { return v[0] + v[1]; }), (std::vector{x, y}));
    REQUIRE_GRADCHECK(Fn([](const Vars& v) { return v[0] - v[1]; }), (std::vector{x, y}));
    REQUIRE_GRADCHECK(Fn([](const Vars& v) { return v[0] * v[1]; }), (std::vector{x, y}));
    REQUIRE_GRADCHECK(Fn([](const Vars& v) { return v[0] / v[1]; }), (std::vector{x, y}));
  }
}

TEST_CASE("gradcheck: where, with a broadcast condition and operands", "[elementwise][gradcheck]") {
  const auto a = away_from_zero({3, 4}, 9);
  const auto row = away_from_zero({4}, 10);
  const xt::xarray<bool> cond{{true, false, false, true}};  // [1,4]
  REQUIRE_GRADCHECK(Fn([cond](const Vars& v) { return unroll::where(cond, v[0], v[1]); }),
                    (std::vector{a, row}));
  REQUIRE_GRADCHECK(Fn([cond](const Vars& v) { return unroll::where(cond, v[1], v[0] * v[0]); }),
                    (std::vector{a, row}));
}

TEST_CASE("gradcheck: fan-out, one value used many times", "[elementwise][gradcheck]") {
  const auto x = away_from_zero({2, 3}, 12);
  REQUIRE_GRADCHECK(Fn([](const Vars& v) { return v[0] * v[0]; }), {x});
  REQUIRE_GRADCHECK(Fn([](const Vars& v) {
                      auto h = tanh(v[0]);
                      return h * sigmoid(h) + h / (abs(v[0]) + 1.0) - exp(h * 0.5);
                    }),
                    {x});
}

TEST_CASE("elementwise errors name the op and the shapes", "[elementwise][errors]") {
  Var<double> a(Array<double>::from_shape({2, 3}));
  Var<double> b(Array<double>::from_shape({4}));
  CHECK_THROWS_AS(a + b, ShapeError);
  CHECK_THROWS_WITH(a * b,
                    Catch::Contains("mul") && Catch::Contains("[2,3]") && Catch::Contains("[4]"));
  CHECK_THROWS_WITH(a - b, Catch::Contains("sub"));
  CHECK_THROWS_WITH(a / b, Catch::Contains("div"));
  CHECK_THROWS_AS(unroll::where(xt::xarray<bool>::from_shape({5}), a, a), ShapeError);
  CHECK_THROWS_AS(clamp(a, 1.0, -1.0), ValueError);
  CHECK_THROWS_WITH(clamp(a, 1.0, -1.0), Catch::Contains("clamp"));
}
