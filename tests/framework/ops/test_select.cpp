#include <cmath>
#include <limits>
#include <string>
#include <xtensor/xbuilder.hpp>

#include "framework/errors.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/select.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::array_of;
using unroll::testing::frees_its_input;
using unroll::testing::random_array;
using Vars = std::vector<Var<double>>;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// 0, 1, 2, ... laid out as `shape`.
Array<double> iota(const Shape& shape) {
  Array<double> a(shape);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<double>(i);
  return a;
}

// `values` laid out as `shape`.
Mask mask_of(const Shape& shape, std::initializer_list<bool> values) {
  Mask m = Mask::from_shape(shape);
  std::copy(values.begin(), values.end(), m.begin());
  return m;
}

// Every element is finite.
bool all_finite(const Array<double>& a) {
  for (double v : a)
    if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// padding_mask, where, masked_fill

TEST_CASE("padding_mask is true on the padded steps", "[select]") {
  const Mask m = padding_mask({2, 3, 0}, 3);
  CHECK((m == mask_of({3, 3}, {false, false, true, false, false, false, true, true, true})));
  CHECK((padding_mask({}, 4) == Mask(Mask::shape_type{1, 4}, false)));
  REQUIRE_THROWS_NAMING(padding_mask({2, 5}, 4), ValueError,
                        "padding_mask: length 5 of row 1 exceeds the 4 steps");
}

TEST_CASE("where with a [B, 1] mask selects exactly: NaN and inf on the unchosen side stay there",
          "[select]") {
  // Rows 0 and 2 take a, row 1 takes b; the unchosen side holds NaN and inf.
  const Mask take_a = mask_of({3, 1}, {true, false, true});
  Var<double> a(array_of({3, 2}, {1, 2, kNaN, kInf, 5, 6}), true);
  Var<double> b(array_of({3, 2}, {kNaN, -kInf, 3, 4, kNaN, kNaN}), true);
  const auto y = unroll::where(take_a, a, b);
  CHECK(all_close(y.value(), array_of({3, 2}, {1, 2, 3, 4, 5, 6})));
  y.backward(array_of({3, 2}, {1, 2, 3, 4, 5, 6}));
  CHECK(all_close(a.grad(), array_of({3, 2}, {1, 2, 0, 0, 5, 6})));
  CHECK(all_close(b.grad(), array_of({3, 2}, {0, 0, 3, 4, 0, 0})));
}

TEST_CASE("where gradients with a broadcast mask", "[select][gradcheck]") {
  const Mask rows = mask_of({3, 1}, {false, true, true});
  REQUIRE_GRADCHECK([&](const Vars& v) { return unroll::where(rows, v[0], v[1]); },
                    {random_array({3, 4}, 1), random_array({3, 4}, 2)});
  // A [4] operand broadcast over the rows, and fan-out of x into both sides.
  REQUIRE_GRADCHECK([&](const Vars& v) { return unroll::where(rows, v[1], v[0] * v[0]) * v[0]; },
                    {random_array({3, 4}, 3), random_array({4}, 4)});
  CHECK(frees_its_input(
      [&](const Var<double>& h) {
        return unroll::where(mask_of({2, 1}, {true, false}), h, h);
      },
      Shape{2, 3}));
}

TEST_CASE("masked_fill puts the value where the mask is true", "[select]") {
  Var<double> x(iota({2, 3}), true);
  const auto y = masked_fill(x, padding_mask({2, 1}, 3), -1.0);
  CHECK(all_close(y.value(), array_of({2, 3}, {0, 1, -1, 3, -1, -1})));
  y.backward(xt::ones<double>({2, 3}));
  CHECK(all_close(x.grad(), array_of({2, 3}, {1, 1, 0, 1, 0, 0})));
  // A [B, 1] mask fills whole rows; a NaN under the mask is replaced, never propagated.
  const Var<double> with_nan(array_of({2, 2}, {kNaN, kNaN, 1, 2}));
  CHECK(all_close(masked_fill(with_nan, mask_of({2, 1}, {true, false}), 0.0).value(),
                  array_of({2, 2}, {0, 0, 1, 2})));
  const Var<float> xf(xt::cast<float>(iota({2, 3})));
  CHECK(all_close(masked_fill(xf, padding_mask({2, 1}, 3), -1.0f).value(), y.value()));
}

TEST_CASE("masked_fill gradients and errors", "[select][gradcheck][errors]") {
  const Mask m = mask_of({1, 3}, {true, false, true});
  REQUIRE_GRADCHECK([&](const Vars& v) { return masked_fill(v[0], m, 2.5) * v[0]; },
                    {random_array({2, 3}, 5)});
  const Var<double> x(iota({2, 3}));
  // The mask must broadcast to x's shape, not widen it.
  REQUIRE_THROWS_NAMING(masked_fill(Var<double>(iota({3})), m, 0.0), ShapeError,
                        "masked_fill: mask [1,3] does not broadcast to the values' shape [3]");
  REQUIRE_THROWS_NAMING(masked_fill(x, Mask::from_shape({2}), 0.0), ShapeError, "masked_fill");
}

// ---------------------------------------------------------------------------------------------
// masked_softmax

TEST_CASE("masked_softmax: masked positions get exactly zero weight and are never read",
          "[select]") {
  // Row 0: softmax([0, ln 2, ·, ln 5]) = [1, 2, ·, 5] / 8 with a NaN under the mask.
  const Var<double> x(array_of({2, 4}, {0, std::log(2.0), kNaN, std::log(5.0), 3, kInf, -kInf, 1}));
  const Mask m = mask_of({2, 4}, {false, false, true, false, false, true, true, false});
  const auto y = masked_softmax(x, m);
  CHECK(std::string(y.op()) == "masked_softmax");
  const double e2 = std::exp(2.0);
  CHECK(all_close(y.value(), array_of({2, 4}, {1.0 / 8, 2.0 / 8, 0, 5.0 / 8, e2 / (e2 + 1), 0, 0,
                                               1 / (e2 + 1)})));
  CHECK(y.value()(0, 2) == 0);
  CHECK(y.value()(1, 1) == 0);
  // No mask at all: softmax itself; large logits stay finite.
  const Var<double> big(array_of({2, 3}, {1000, 1001, 1002, -1000, -1000, -1000}));
  CHECK(all_close(masked_softmax(big, Mask(Mask::shape_type{1, 1}, false)).value(),
                  softmax(big).value()));
  const Var<float> big32(Array<float>{1000, 1001, 1002});
  CHECK(all_close(masked_softmax(big32, Mask{false, false, true}).value(),
                  Array<double>{1 / (1 + std::exp(1.0)), 1 / (1 + std::exp(-1.0)), 0}));
}

TEST_CASE("masked_softmax: a row with every position masked is zeros with a zero gradient",
          "[select]") {
  Var<double> x(array_of({2, 3}, {1, 2, 3, kNaN, 4, 5}), true);
  const auto y = masked_softmax(x, mask_of({2, 1}, {false, true}));
  CHECK(all_close(y.value(), array_of({2, 3}, {0.09003057317038046, 0.24472847105479767,
                                               0.6652409557748219, 0, 0, 0})));
  // A non-finite upstream gradient on the masked positions reaches no element of dx.
  y.backward(array_of({2, 3}, {1, 0, 0, kNaN, kInf, 1}));
  CHECK(all_finite(x.grad()));
  CHECK(x.grad()(1, 0) == 0);
  CHECK(x.grad()(1, 1) == 0);
  CHECK(x.grad()(1, 2) == 0);
  const double p = 0.09003057317038046;
  CHECK(all_close(x.grad(), array_of({2, 3}, {p * (1 - p), -p * 0.24472847105479767,
                                              -p * 0.6652409557748219, 0, 0, 0})));
  tape<double>().reset();
  Var<double> partial(array_of({1, 3}, {1, 2, 3}), true);
  masked_softmax(partial, mask_of({1, 3}, {false, true, false}))
      .backward(array_of({1, 3}, {0, kNaN, 0}));
  CHECK(all_close(partial.grad(), array_of({1, 3}, {0, 0, 0})));
  // Rows of no positions at all: an empty result and gradient.
  Var<double> empty(Array<double>(Shape{2, 0}), true);
  const auto none = masked_softmax(empty, Mask::from_shape({2, 0}));
  CHECK(none.shape() == Shape{2, 0});
  none.backward(Array<double>(Shape{2, 0}));
  CHECK(empty.grad().shape() == Shape{2, 0});
}

TEST_CASE("masked_softmax gradients: attention scores [B, T, S] against source lengths",
          "[select][gradcheck]") {
  // Mask [B, 1, S] from source lengths {3, 1}, broadcast over the T target steps.
  Mask m = padding_mask({3, 1}, 4);
  m.reshape({2, 1, 4});
  REQUIRE_GRADCHECK([&](const Vars& v) { return masked_softmax(v[0], m); },
                    {random_array({2, 3, 4}, 6, -3, 3)});
  // Fan-out, and one row fully masked.
  const Mask rows = mask_of(
      {3, 4}, {false, true, false, false, true, true, true, true, false, false, false, true});
  REQUIRE_GRADCHECK([&](const Vars& v) { return masked_softmax(v[0], rows) * v[0]; },
                    {random_array({3, 4}, 7, -3, 3)});
  CHECK(frees_its_input(
      [](const Var<double>& h) {
        return masked_softmax(h, mask_of({1, 3}, {false, true, false}));
      },
      Shape{2, 3}));
}

TEST_CASE("masked_softmax errors", "[select][errors]") {
  REQUIRE_THROWS_NAMING(masked_softmax(Var<double>(iota({2, 3})), Mask::from_shape({2})),
                        ShapeError, "masked_softmax: shapes [2] and [2,3] do not broadcast");
  REQUIRE_THROWS_NAMING(masked_softmax(Var<double>(iota({3})), Mask::from_shape({2, 3})),
                        ShapeError,
                        "masked_softmax: mask [2,3] does not broadcast to the values' shape [3]");
  REQUIRE_THROWS_NAMING(masked_softmax(Var<double>(Array<double>(Shape{}, 1.0)), Mask(false)),
                        ShapeError, "masked_softmax: x must be [..., S]");
}

// ---------------------------------------------------------------------------------------------
// argmax, topk

TEST_CASE("argmax: the first maximum along the axis, NaN is largest", "[select]") {
  const Var<double> x(array_of({2, 4}, {1, 5, 5, -2, -3, -1, -7, -1}));
  CHECK((argmax(x, 1) == IndexArray{1, 1}));
  CHECK((argmax(x, -1) == IndexArray{1, 1}));
  CHECK((argmax(x, 0) == IndexArray{0, 0, 0, 1}));
  CHECK(argmax(Var<double>(Array<double>{1, kNaN, 3, kNaN}), 0)() == 1);
  CHECK(argmax(Var<double>(Array<double>{-kInf, -kInf}), 0)() == 0);
  const Var<double> x3(iota({2, 3, 2}));
  CHECK((argmax(x3, 1) == IndexArray{{2, 2}, {2, 2}}));
  CHECK(argmax(Var<float>(Array<float>{2, 7, 7}), 0)() == 1);
  REQUIRE_THROWS_NAMING(argmax(Var<double>(iota({2, 0})), 1), ValueError,
                        "argmax: axis 1 of [2,0] is empty");
  REQUIRE_THROWS_NAMING(argmax(x, 2), ValueError, "argmax: axis 2 out of range for rank 2");
}

TEST_CASE("topk: the k largest, largest first, ties keep the lower index first", "[select]") {
  Var<double> x(array_of({2, 5}, {3, 9, 3, 1, 9, -1, -5, kNaN, 0, -1}), true);
  const auto top = topk(x, 3);
  CHECK(std::string(top.values.op()) == "topk");
  CHECK((top.indices == IndexArray{{1, 4, 0}, {2, 3, 0}}));
  CHECK(top.values.value()(0, 0) == 9);
  CHECK(top.values.value()(0, 2) == 3);
  CHECK(std::isnan(top.values.value()(1, 0)));
  CHECK(top.values.value()(1, 1) == 0);
  CHECK(top.values.value()(1, 2) == -1);
  // The values gather from x: dx[indices] += dvalues, zero elsewhere.
  top.values.backward(array_of({2, 3}, {1, 2, 3, 4, 5, 6}));
  CHECK(all_close(x.grad(), array_of({2, 5}, {3, 1, 0, 0, 2, 6, 0, 4, 5, 0})));
  tape<double>().reset();

  // Along axis 0, k = n (a full descending sort) and k = 0.
  const Var<double> columns(array_of({3, 2}, {1, 6, 4, 5, 4, 6}));
  const auto sorted = topk(columns, 3, 0);
  CHECK((sorted.indices == IndexArray{{1, 0}, {2, 2}, {0, 1}}));
  CHECK(all_close(sorted.values.value(), array_of({3, 2}, {4, 6, 4, 6, 1, 5})));
  CHECK(topk(columns, 0, 0).values.shape() == Shape{0, 2});
  const Var<float> xf(Array<float>{0.5f, 2, 1});
  CHECK((topk(xf, 2).indices == IndexArray{1, 2}));
  REQUIRE_THROWS_NAMING(topk(columns, 4, 0), ValueError,
                        "topk: k = 4 exceeds extent 3 of axis 0 in [3,2]");
  REQUIRE_THROWS_NAMING(topk(columns, 1, -3), ValueError, "topk: axis -3 out of range");
}

TEST_CASE("topk gradients", "[select][gradcheck]") {
  REQUIRE_GRADCHECK([](const Vars& v) { return topk(v[0], 2).values; }, {random_array({3, 5}, 8)});
  REQUIRE_GRADCHECK([](const Vars& v) { return topk(v[0], 2, 1).values; },
                    {random_array({2, 4, 3}, 9)});
  // Fan-out: the top values of x scaled by the top values of x².
  REQUIRE_GRADCHECK(
      [](const Vars& v) { return topk(v[0], 3, 0).values * topk(v[0] * v[0], 3, 0).values; },
      {random_array({4, 3}, 10)});
  CHECK(frees_its_input([](const Var<double>& h) { return topk(h, 2).values; }, Shape{2, 3}));
}
