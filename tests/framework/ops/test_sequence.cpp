#include <cmath>
#include <limits>
#include <string>
#include <xtensor/xbuilder.hpp>

#include "framework/errors.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/sequence.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::array_of;
using unroll::testing::frees_its_input;
using unroll::testing::random_array;
using Vars = std::vector<Var<double>>;
using Lengths = std::vector<std::size_t>;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// 0, 1, 2, ... laid out as `shape`.
Array<double> iota(const Shape& shape) {
  Array<double> a(shape);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<double>(i);
  return a;
}

// The gradient x receives from y.backward(seed).
Array<double> grad_of(const Var<double>& x, const Var<double>& y, const Array<double>& seed) {
  y.backward(seed);
  return x.grad();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// reverse_sequence

TEST_CASE("reverse_sequence reverses each row's valid steps, padding stays at the end",
          "[sequence]") {
  // x [2, 4, 2]: step t of row b is {8b + 2t, 8b + 2t + 1}.
  const Var<double> x(iota({2, 4, 2}));
  const auto y = reverse_sequence(x, {3, 4});
  CHECK(std::string(y.op()) == "reverse_sequence");
  CHECK(all_close(y.value(), array_of({2, 4, 2}, {4, 5, 2, 3, 0, 1, 6, 7,  //
                                                  14, 15, 12, 13, 10, 11, 8, 9})));
  // No lengths: every row reversed over all T; a length of 1 or 0 leaves the row as it is.
  CHECK(all_close(reverse_sequence(x).value(), reverse_sequence(x, {4, 4}).value()));
  CHECK(all_close(reverse_sequence(x, {1, 0}).value(), x.value()));
  // Its own inverse; rank 2 ([B, T]) works too.
  CHECK(all_close(reverse_sequence(y, {3, 4}).value(), x.value()));
  CHECK(all_close(reverse_sequence(Var<double>(iota({2, 3})), {2, 3}).value(),
                  array_of({2, 3}, {1, 0, 2, 5, 4, 3})));
  const Var<float> xf(xt::cast<float>(iota({2, 4, 2})));
  CHECK(all_close(reverse_sequence(xf, {3, 4}).value(), y.value()));
}

TEST_CASE("reverse_sequence gradients", "[sequence][gradcheck]") {
  // dx is dy under the same permutation.
  Var<double> x(iota({2, 3}), true);
  CHECK(all_close(grad_of(x, reverse_sequence(x, {2, 3}), iota({2, 3})),
                  array_of({2, 3}, {1, 0, 2, 5, 4, 3})));

  const Lengths lengths{2, 3, 1};
  REQUIRE_GRADCHECK([&](const Vars& v) { return reverse_sequence(v[0], lengths); },
                    {random_array({3, 3, 2}, 1)});
  // Fan-out: x ⊙ reverse(x) (dx = reverse(x) + reverse(dy ⊙ x)), and a reverse of a reverse.
  REQUIRE_GRADCHECK([&](const Vars& v) { return v[0] * reverse_sequence(v[0], lengths); },
                    {random_array({3, 3, 2}, 2)});
  REQUIRE_GRADCHECK(
      [&](const Vars& v) {
        return reverse_sequence(tanh(reverse_sequence(v[0], lengths)), {3, 2, 0});
      },
      {random_array({3, 3, 2}, 3)});
  CHECK(frees_its_input(
      [](const Var<double>& h) {
        return reverse_sequence(h, {1, 2});
      },
      Shape{2, 3, 2}));
}

// ---------------------------------------------------------------------------------------------
// mean_over_time, max_over_time, last_step

TEST_CASE("mean_over_time divides by each row's length, padding is never read", "[sequence]") {
  // x [2, 3, 2]; row 0 has 2 valid steps, its padding holds a NaN.
  const Var<double> x(array_of({2, 3, 2}, {1, 2, 3, 6, kNaN, kNaN,  //
                                           1, 1, 2, 4, 6, 7}));
  CHECK(all_close(mean_over_time(x, {2, 3}).value(), Array<double>{{2, 4}, {3, 4}}));
  CHECK(all_close(mean_over_time(x, {1, 1}).value(), Array<double>{{1, 2}, {1, 1}}));
  const Var<double> full(iota({2, 3, 2}));
  CHECK(all_close(mean_over_time(full).value(), Array<double>{{2, 3}, {8, 9}}));
  CHECK(
      all_close(mean_over_time(Var<double>(iota({2, 3})), {3, 2}).value(), Array<double>{1, 3.5}));

  Var<double> leaf(iota({2, 3, 2}), true);
  CHECK(all_close(grad_of(leaf, mean_over_time(leaf, {2, 3}), Array<double>{{2, 4}, {3, 6}}),
                  array_of({2, 3, 2}, {1, 2, 1, 2, 0, 0, 1, 2, 1, 2, 1, 2})));
}

TEST_CASE("mean_over_time gradients", "[sequence][gradcheck]") {
  const Lengths lengths{3, 1, 2};
  REQUIRE_GRADCHECK([&](const Vars& v) { return mean_over_time(v[0], lengths); },
                    {random_array({3, 3, 2}, 4)});
  REQUIRE_GRADCHECK([&](const Vars& v) { return mean_over_time(v[0]); },
                    {random_array({2, 4, 3}, 5)});
  // Fan-out, and a trailing shape beyond F: x [B, T, 2, 2].
  REQUIRE_GRADCHECK(
      [&](const Vars& v) { return mean_over_time(v[0], lengths) * last_step(v[0], lengths); },
      {random_array({3, 3, 2, 2}, 6)});
  CHECK(frees_its_input(
      [](const Var<double>& h) {
        return mean_over_time(h, {1, 3});
      },
      Shape{2, 3, 2}));
}

TEST_CASE("max_over_time: a padded step never wins, the gradient goes to the arg-max only",
          "[sequence]") {
  // Every valid value is negative; the padding is 0 (as recurrent outputs it) or larger.
  const Array<double> values = array_of({2, 3, 2}, {-3, -1, -2, -5, 0, 7,  //
                                                    -1, -4, -6, -4, -2, -9});
  Var<double> x(values, true);
  const auto y = max_over_time(x, {2, 3});
  CHECK(all_close(y.value(), Array<double>{{-2, -1}, {-1, -4}}));
  // Ties (row 1, feature 1: steps 0 and 1) give the gradient to the first step.
  CHECK(all_close(grad_of(x, y, Array<double>{{1, 2}, {3, 4}}),
                  array_of({2, 3, 2}, {0, 2, 1, 0, 0, 0, 3, 4, 0, 0, 0, 0})));
  CHECK(all_close(max_over_time(Var<double>(values)).value(), Array<double>{{0, 7}, {-1, -4}}));
  CHECK(all_close(max_over_time(Var<double>(values), {1, 1}).value(),
                  Array<double>{{-3, -1}, {-1, -4}}));
  // NaN in a valid step is the maximum (as max does).
  const auto with_nan = max_over_time(Var<double>(array_of({1, 2, 1}, {1, kNaN})));
  CHECK(std::isnan(with_nan.value()(0, 0)));
}

TEST_CASE("max_over_time gradients", "[sequence][gradcheck]") {
  const Lengths lengths{3, 1, 2};
  REQUIRE_GRADCHECK([&](const Vars& v) { return max_over_time(v[0], lengths); },
                    {random_array({3, 3, 4}, 7)});
  REQUIRE_GRADCHECK(
      [&](const Vars& v) { return max_over_time(v[0] * v[0]) * mean_over_time(v[0]); },
      {random_array({2, 4, 3}, 8)});
  CHECK(frees_its_input(
      [](const Var<double>& h) {
        return max_over_time(h, {2, 3});
      },
      Shape{2, 3, 2}));
}

TEST_CASE("last_step picks each row's step length - 1", "[sequence]") {
  Var<double> x(iota({3, 3, 2}), true);
  const auto y = last_step(x, {2, 3, 1});
  CHECK(all_close(y.value(), Array<double>{{2, 3}, {10, 11}, {12, 13}}));
  CHECK(all_close(last_step(x).value(), Array<double>{{4, 5}, {10, 11}, {16, 17}}));
  CHECK(all_close(grad_of(x, y, Array<double>{{1, 2}, {3, 4}, {5, 6}}),
                  array_of({3, 3, 2}, {0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 3, 4, 5, 6, 0, 0, 0, 0})));
  const Var<float> xf(xt::cast<float>(iota({3, 3, 2})));
  CHECK(all_close(last_step(xf, {2, 3, 1}).value(), y.value()));
}

TEST_CASE("last_step gradients", "[sequence][gradcheck]") {
  const Lengths lengths{2, 3, 1};
  REQUIRE_GRADCHECK([&](const Vars& v) { return last_step(v[0], lengths); },
                    {random_array({3, 3, 2}, 9)});
  // Fan-out: the last step of x and of its reverse (its first step) into one product.
  REQUIRE_GRADCHECK(
      [&](const Vars& v) {
        return last_step(v[0], lengths) * last_step(reverse_sequence(v[0], lengths), lengths);
      },
      {random_array({3, 3, 2}, 10)});
  CHECK(frees_its_input([](const Var<double>& h) { return last_step(h, {2, 1}); }, Shape{2, 3, 2}));
}

TEST_CASE("sequence op errors name the op, the row and the shapes", "[sequence][errors]") {
  const Var<double> x(iota({2, 3, 2}));
  REQUIRE_THROWS_NAMING(mean_over_time(x, {0, 3}), ValueError,
                        "mean_over_time: length 0 of row 0 is outside [1, 3] for x [2,3,2]");
  REQUIRE_THROWS_NAMING(max_over_time(x, {3, 4}), ValueError,
                        "max_over_time: length 4 of row 1 is outside [1, 3]");
  REQUIRE_THROWS_NAMING(last_step(x, {1, 0}), ValueError, "last_step: length 0 of row 1");
  REQUIRE_THROWS_NAMING(reverse_sequence(x, {4, 1}), ValueError,
                        "reverse_sequence: length 4 of row 0 is outside [0, 3]");
  REQUIRE_THROWS_NAMING(last_step(x, {1, 2, 3}), ShapeError,
                        "last_step: 3 lengths for x [2,3,2] with a batch of 2");
  REQUIRE_THROWS_NAMING(reverse_sequence(x, {1}), ShapeError, "reverse_sequence: 1 lengths");
  REQUIRE_THROWS_NAMING(mean_over_time(Var<double>(iota({3})), {}), ShapeError,
                        "mean_over_time: x must be [B, T, ...], got [3]");
  REQUIRE_THROWS_NAMING(reverse_sequence(Var<double>(iota({3})), {}), ShapeError,
                        "reverse_sequence: x must be [B, T, ...]");
  REQUIRE_THROWS_NAMING(max_over_time(Var<double>(iota({2, 0, 2}))), ValueError,
                        "max_over_time: x [2,0,2] has no steps");
  CHECK(reverse_sequence(Var<double>(iota({2, 0, 2}))).shape() == Shape{2, 0, 2});
}
