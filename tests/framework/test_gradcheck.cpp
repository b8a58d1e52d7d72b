#include <catch2/catch.hpp>

#include "framework/gradcheck.hpp"
#include "framework/ops/elementwise.hpp"
#include "tests/support.hpp"

using namespace unroll;

namespace {

using Vars = std::vector<Var<double>>;

// An op with a deliberately wrong backward (dx += 2·dy for y = x³), to show gradcheck catches it.
Var<double> broken_cube(const Var<double>& x) {
  Var<double> y = detail::make_result<double>("broken_cube", {&x}, [](Node<double>& n) {
    Node<double>& in = n.input(0);
    if (!in.has_grad) {
      in.grad = 2.0 * n.grad;
      in.has_grad = true;
    } else {
      in.grad += 2.0 * n.grad;
    }
  });
  y.node()->value = x.value() * x.value() * x.value();
  return y;
}

}  // namespace

TEST_CASE("gradcheck passes a correct gradient", "[gradcheck]") {
  const auto result = gradcheck([](const Vars& v) { return v[0] * v[0] * v[0]; },
                                {unroll::testing::random_array({3}, 1)});
  CHECK(result.passed);
  CHECK(result.max_error < 1e-8);
}

TEST_CASE("gradcheck fails a wrong gradient and names the element", "[gradcheck]") {
  const auto result =
      gradcheck([](const Vars& v) { return broken_cube(v[0]); }, {Array<double>{0.5, 2.0}});
  CHECK_FALSE(result.passed);
  CHECK(result.max_error > 0.1);
  CHECK_THAT(result.worst, Catch::Contains("input 0 element"));
}

TEST_CASE("gradcheck sees every output element (weights are not all equal)", "[gradcheck]") {
  // y = [x0 − x1, x1 − x0]: with equal weights the gradient would be zero either way.
  const auto swapped_sign = [](const Vars& v) {
    return unroll::where(xt::xarray<bool>{true, false}, v[0] - v[1], v[1] - v[0]) * 0.0 + v[0];
  };
  CHECK(gradcheck(swapped_sign, {Array<double>{1.0, 2.0}, Array<double>{3.0, 4.0}}).passed);
}
