#include <cmath>
#include <limits>
#include <xtensor/xbuilder.hpp>

#include "framework/errors.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/reduce.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

using Leaves = std::vector<Var<double>>;
using Inputs = std::vector<Array<double>>;

const Array<double> kX = {{1, 2, 3}, {4, 5, 6}};

// `values` laid out in `shape` (nested braces cannot spell a [n,1] array unambiguously).
Array<double> shaped(Array<double> values, const Shape& shape) {
  values.reshape(shape);
  return values;
}

// The gradient x receives from y.backward(seed of ones).
Array<double> grad_of(const Var<double>& x, const Var<double>& y) {
  y.backward(xt::ones<double>(y.shape()));
  return x.grad();
}

}  // namespace

TEST_CASE("sum: known values", "[reduce]") {
  const Var<double> x(kX);
  CHECK(sum(x).shape().empty());
  CHECK(sum(x).item() == 21);
  CHECK(all_close(sum(x, 0).value(), Array<double>{5, 7, 9}));
  CHECK(all_close(sum(x, 1).value(), Array<double>{6, 15}));
  CHECK(all_close(sum(x, -1, true).value(), shaped({6, 15}, {2, 1})));
  CHECK(all_close(sum(x, 0, true).value(), Array<double>{{5, 7, 9}}));
  CHECK(sum(Var<double>(Array<double>(Shape{0, 3}))).item() == 0);
  CHECK(sum(Var<double>(Array<double>(Shape{}, 4.0))).item() == 4);
}

TEST_CASE("sum: gradient", "[reduce]") {
  Var<double> x(kX, true);
  CHECK(all_close(grad_of(x, sum(x, 1)), xt::ones<double>({2, 3})));

  const Inputs in2{random_array({3, 4}, 1)};
  const Inputs in3{random_array({2, 3, 4}, 2)};
  auto all = [](const Leaves& v) { return sum(v[0]); };
  auto axis0 = [](const Leaves& v) { return sum(v[0], 0); };
  auto axis1 = [](const Leaves& v) { return sum(v[0], 1); };
  auto middle = [](const Leaves& v) { return sum(v[0], 1, true); };
  auto negative = [](const Leaves& v) { return sum(v[0], -1, true); };
  REQUIRE_GRADCHECK(all, in2);
  REQUIRE_GRADCHECK(axis0, in2);
  REQUIRE_GRADCHECK(axis1, in2);
  REQUIRE_GRADCHECK(all, in3);
  REQUIRE_GRADCHECK(middle, in3);
  REQUIRE_GRADCHECK(negative, in3);
}

TEST_CASE("mean: known values", "[reduce]") {
  const Var<double> x(kX);
  CHECK(mean(x).shape().empty());
  CHECK(mean(x).item() == 3.5);
  CHECK(all_close(mean(x, 0).value(), Array<double>{2.5, 3.5, 4.5}));
  CHECK(all_close(mean(x, -1).value(), Array<double>{2, 5}));
  CHECK(all_close(mean(x, 1, true).value(), shaped({2, 5}, {2, 1})));

  Var<double> leaf(kX, true);
  CHECK(all_close(grad_of(leaf, mean(leaf, 0)), xt::full_like(kX, 0.5)));
}

TEST_CASE("mean: gradient", "[reduce]") {
  const Inputs in3{random_array({2, 3, 4}, 3)};
  auto all = [](const Leaves& v) { return mean(v[0]); };
  auto axis0 = [](const Leaves& v) { return mean(v[0], 0); };
  auto middle = [](const Leaves& v) { return mean(v[0], 1, true); };
  auto negative = [](const Leaves& v) { return mean(v[0], -1); };
  REQUIRE_GRADCHECK(all, in3);
  REQUIRE_GRADCHECK(axis0, in3);
  REQUIRE_GRADCHECK(middle, in3);
  REQUIRE_GRADCHECK(negative, in3);
}

TEST_CASE("max: known values, the gradient goes to the first maximum", "[reduce]") {
  const Array<double> ties = {{1, 3, 3}, {5, 2, 5}};
  Var<double> x(ties, true);
  CHECK(max(x).item() == 5);
  CHECK(all_close(max(x, 1).value(), Array<double>{3, 5}));
  CHECK(all_close(max(x, 0).value(), Array<double>{5, 3, 5}));
  CHECK(all_close(max(x, -2, true).value(), Array<double>{{5, 3, 5}}));

  CHECK(all_close(grad_of(x, max(x)), Array<double>{{0, 0, 0}, {1, 0, 0}}));
  x.zero_grad();
  CHECK(all_close(grad_of(x, max(x, 1)), Array<double>{{0, 1, 0}, {1, 0, 0}}));
  x.zero_grad();
  CHECK(all_close(grad_of(x, max(x, 0, true)), Array<double>{{0, 1, 0}, {1, 0, 1}}));

  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(max(Var<double>(Array<double>{1, nan, 2})).item()));
}

TEST_CASE("max: gradient", "[reduce]") {
  const Inputs in3{random_array({2, 3, 4}, 4)};
  auto all = [](const Leaves& v) { return max(v[0]); };
  auto axis0 = [](const Leaves& v) { return max(v[0], 0); };
  auto middle = [](const Leaves& v) { return max(v[0], 1, true); };
  auto negative = [](const Leaves& v) { return max(v[0], -1); };
  REQUIRE_GRADCHECK(all, in3);
  REQUIRE_GRADCHECK(axis0, in3);
  REQUIRE_GRADCHECK(middle, in3);
  REQUIRE_GRADCHECK(negative, in3);
}

TEST_CASE("logsumexp: known values", "[reduce]") {
  const Var<double> x(Array<double>{{0, std::log(3.0)}, {1, 1}});
  CHECK(all_close(logsumexp(x, 1).value(), Array<double>{std::log(4.0), 1 + std::log(2.0)}));
  CHECK(all_close(logsumexp(x, -1, true).value(),
                  shaped({std::log(4.0), 1 + std::log(2.0)}, {2, 1})));
  CHECK(all_close(logsumexp(x, 0).value(),
                  Array<double>{std::log(1 + std::exp(1.0)), std::log(3 + std::exp(1.0))}));
}

TEST_CASE("logsumexp: stable for large magnitudes", "[reduce]") {
  const double inf = std::numeric_limits<double>::infinity();
  const Var<double> big(Array<double>{{1000, 1000}, {-1000, -1000}, {1000, -1000}});
  CHECK(all_close(logsumexp(big, 1).value(),
                  Array<double>{1000 + std::log(2.0), -1000 + std::log(2.0), 1000}));
  const Var<float> big32(Array<float>{1000, 1000});
  CHECK(std::abs(logsumexp(big32, 0).item() - (1000 + std::log(2.0f))) < 1e-3);
  CHECK(logsumexp(Var<double>(Array<double>{-inf, -inf}), 0).item() == -inf);
  CHECK(logsumexp(Var<double>(Array<double>{inf, 1}), 0).item() == inf);
  CHECK(logsumexp(Var<double>(Array<double>(Shape{0})), 0).item() == -inf);

  Var<double> leaf(Array<double>{1000, 1000}, true);
  CHECK(all_close(grad_of(leaf, logsumexp(leaf, 0)), Array<double>{0.5, 0.5}));
}

TEST_CASE("logsumexp: gradient", "[reduce]") {
  const Inputs in3{random_array({2, 3, 4}, 5, -3, 3)};
  auto axis0 = [](const Leaves& v) { return logsumexp(v[0], 0); };
  auto middle = [](const Leaves& v) { return logsumexp(v[0], 1, true); };
  auto negative = [](const Leaves& v) { return logsumexp(v[0], -1); };
  REQUIRE_GRADCHECK(axis0, in3);
  REQUIRE_GRADCHECK(middle, in3);
  REQUIRE_GRADCHECK(negative, in3);
}

TEST_CASE("reductions: fan-out and broadcasting", "[reduce]") {
  const Inputs in{random_array({3, 4}, 6)};
  // x feeds five ops; the [3,1] and [1,4] results broadcast back against each other.
  auto f = [](const Leaves& v) {
    const Var<double>& x = v[0];
    return sum(x, 1, true) * x + logsumexp(x, 0, true) + mean(x, 0, true) * max(x, -1, true);
  };
  REQUIRE_GRADCHECK(f, in);
  auto twice = [](const Leaves& v) { return sum(v[0]) * mean(v[0], 0); };
  REQUIRE_GRADCHECK(twice, in);
}

TEST_CASE("reductions: float32 agrees with float64", "[reduce]") {
  const Array<double> xd = random_array({5, 7, 3}, 7, -4, 4);
  const Array<float> xf = xt::cast<float>(xd);
  const Var<double> d(xd);
  const Var<float> f(xf);
  CHECK(all_close(sum(f).value(), sum(d).value(), 1e-5));
  CHECK(all_close(sum(f, 1).value(), sum(d, 1).value(), 1e-5));
  CHECK(all_close(mean(f, -1, true).value(), mean(d, -1, true).value(), 1e-5));
  CHECK(all_close(max(f, 0).value(), max(d, 0).value(), 1e-6));
  CHECK(all_close(logsumexp(f, 1).value(), logsumexp(d, 1).value(), 1e-5));
}

TEST_CASE("reductions: errors", "[reduce]") {
  const Var<double> x(kX);
  const Var<double> empty_axis(Array<double>(Shape{2, 0}));
  const Var<double> empty(Array<double>(Shape{0}));

  REQUIRE_THROWS_AS(mean(empty_axis, 1), ValueError);
  REQUIRE_THROWS_WITH(mean(empty_axis, -1), Catch::Contains("mean") && Catch::Contains("[2,0]"));
  REQUIRE_THROWS_AS(mean(empty), ValueError);
  REQUIRE_THROWS_WITH(mean(empty), Catch::Contains("mean"));
  REQUIRE_THROWS_AS(max(empty_axis, 1), ValueError);
  REQUIRE_THROWS_WITH(max(empty_axis, 1), Catch::Contains("max") && Catch::Contains("[2,0]"));
  REQUIRE_THROWS_AS(max(empty), ValueError);
  REQUIRE_THROWS_WITH(max(empty), Catch::Contains("max"));

  REQUIRE_THROWS_AS(sum(x, 2), ValueError);
  REQUIRE_THROWS_WITH(sum(x, 2), Catch::Contains("sum"));
  REQUIRE_THROWS_AS(mean(x, -3), ValueError);
  REQUIRE_THROWS_WITH(mean(x, -3), Catch::Contains("mean"));
  REQUIRE_THROWS_AS(max(x, 5, true), ValueError);
  REQUIRE_THROWS_WITH(max(x, 5, true), Catch::Contains("max"));
  REQUIRE_THROWS_AS(logsumexp(x, 2), ValueError);
  REQUIRE_THROWS_WITH(logsumexp(x, 2), Catch::Contains("logsumexp"));
  REQUIRE_THROWS_AS(sum(Var<double>(Array<double>(Shape{}, 1.0)), 0), ValueError);
}
