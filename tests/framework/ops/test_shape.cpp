#include <string>
#include <xtensor/xview.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/shape.hpp"
#include "framework/tape.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::array_of;
using unroll::testing::random_array;
using Vars = std::vector<Var<double>>;

namespace {

Array<double> arr(std::initializer_list<double> v) { return Array<double>(v); }
Array<double> arr(std::initializer_list<std::initializer_list<double>> v) {
  return Array<double>(v);
}

// 0, 1, 2, ... laid out as `shape`.
Array<double> iota(const Shape& shape) {
  Array<double> a(shape);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<double>(i);
  return a;
}

// The float32 copy of a float64 array.
Array<float> to_float(const Array<double>& a) { return xt::cast<float>(a); }

}  // namespace

// `expr` throws `type` with a message containing `text` (the op's name, at least).
#define REQUIRE_THROWS_NAMING(expr, type, text)       \
  do {                                                \
    REQUIRE_THROWS_AS(expr, type);                    \
    REQUIRE_THROWS_WITH(expr, Catch::Contains(text)); \
  } while (0)

// ---------------------------------------------------------------------------------------------
// reshape

TEST_CASE("reshape lays the elements out in row-major order", "[shape]") {
  Var<double> x(iota({2, 3}));
  auto y = reshape(x, {3, 2});
  CHECK(std::string(y.op()) == "reshape");
  CHECK(all_close(y.value(), arr({{0, 1}, {2, 3}, {4, 5}})));
  CHECK(all_close(reshape(x, {-1}).value(), arr({0, 1, 2, 3, 4, 5})));
  CHECK(reshape(x, {1, -1, 2}).shape() == Shape{1, 3, 2});
  CHECK(reshape(Var<double>(arr({7})), {}).shape() == Shape{});
  // A copy, not a view: changing x later leaves y alone.
  x.mutable_value()(0, 0) = 100;
  CHECK(y.value()(0, 0) == 0);
}

TEST_CASE("reshape gradients", "[shape]") {
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return reshape(v[0], {3, -1});
      },
      {random_array({2, 3, 2}, 1)});
  // Fan-out: x reshaped twice and multiplied, dx = 2x.
  REQUIRE_GRADCHECK([](const Vars& v) { return reshape(v[0], {6}) * reshape(v[0], {-1}); },
                    {random_array({2, 3}, 2)});
  // Its output feeding another op.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return tanh(reshape(v[0], {2, 3})) * v[1];
      },
      {random_array({3, 2}, 3), random_array({2, 3}, 4)});
}

TEST_CASE("reshape errors", "[shape]") {
  Var<double> x(iota({2, 3}));
  REQUIRE_THROWS_NAMING(reshape(x, {4, 2}), ShapeError, "reshape: [2,3] to [4,2]: 6 elements");
  REQUIRE_THROWS_NAMING(reshape(x, {-1, -1}), ShapeError, "more than one extent is -1");
  REQUIRE_THROWS_NAMING(reshape(x, {4, -1}), ShapeError, "not a multiple of 4");
  REQUIRE_THROWS_NAMING(reshape(x, {-2, -3}), ShapeError, "reshape:");
  REQUIRE_THROWS_NAMING(reshape(x, {0, -1}), ShapeError, "reshape:");
}

// ---------------------------------------------------------------------------------------------
// transpose, permute

TEST_CASE("transpose swaps the last two axes", "[shape]") {
  Var<double> x(iota({2, 3}));
  auto y = transpose(x);
  CHECK(std::string(y.op()) == "transpose");
  CHECK(all_close(y.value(), arr({{0, 3}, {1, 4}, {2, 5}})));
  Var<double> b(iota({2, 2, 3}));
  auto yb = transpose(b);
  REQUIRE(yb.shape() == Shape{2, 3, 2});
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 2; ++j)
      for (std::size_t k = 0; k < 3; ++k) CHECK(yb.value()(i, k, j) == b.value()(i, j, k));
}

TEST_CASE("transpose gradients", "[shape]") {
  REQUIRE_GRADCHECK([](const Vars& v) { return transpose(v[0]); }, {random_array({3, 4}, 5)});
  REQUIRE_GRADCHECK([](const Vars& v) { return transpose(v[0]); }, {random_array({2, 3, 4}, 6)});
  // Fan-out: x + xᵀ.
  REQUIRE_GRADCHECK([](const Vars& v) { return v[0] + transpose(v[0]); },
                    {random_array({3, 3}, 7)});
}

TEST_CASE("a transposed value feeds an elementwise op", "[shape]") {
  // The "non-contiguous input" case: xᵀ ⊙ w.
  Var<double> x(iota({2, 3}), true);
  Var<double> w(arr({{1, 10}, {2, 20}, {3, 30}}), true);
  auto y = transpose(x) * w;
  CHECK(all_close(y.value(), arr({{0, 30}, {2, 80}, {6, 150}})));
  y.backward(arr({{1, 2}, {3, 4}, {5, 6}}));
  CHECK(all_close(x.grad(), arr({{1, 6, 15}, {20, 80, 180}})));
  CHECK(all_close(w.grad(), arr({{0, 6}, {3, 16}, {10, 30}})));
  tape<double>().reset();
  REQUIRE_GRADCHECK([](const Vars& v) { return transpose(v[0]) * v[1]; },
                    {random_array({2, 3}, 8), random_array({3, 2}, 9)});
  REQUIRE_GRADCHECK([](const Vars& v) { return exp(transpose(v[0] * v[1])); },
                    {random_array({2, 3}, 10), random_array({2, 3}, 11)});
}

TEST_CASE("transpose errors", "[shape]") {
  REQUIRE_THROWS_NAMING(transpose(Var<double>(arr({1, 2, 3}))), ShapeError,
                        "transpose: needs rank at least 2, got shape [3]");
}

TEST_CASE("permute reorders the axes", "[shape]") {
  Var<double> x(iota({2, 3, 4}));
  auto y = permute(x, {2, 0, 1});
  CHECK(std::string(y.op()) == "permute");
  REQUIRE(y.shape() == Shape{4, 2, 3});
  for (std::size_t i = 0; i < 2; ++i)
    for (std::size_t j = 0; j < 3; ++j)
      for (std::size_t k = 0; k < 4; ++k) CHECK(y.value()(k, i, j) == x.value()(i, j, k));
  CHECK(all_close(permute(x, {0, 1, 2}).value(), x.value()));
  CHECK(permute(Var<double>(arr({5})), {0}).item() == 5);
}

TEST_CASE("permute gradients", "[shape]") {
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return permute(v[0], {2, 0, 1});
      },
      {random_array({2, 3, 4}, 12)});
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return permute(v[0], {1, 3, 0, 2});
      },
      {random_array({2, 3, 2, 3}, 13)});
  // Fan-out: two permutations of x that agree, added.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return permute(v[0], {1, 0}) + transpose(v[0]);
      },
      {random_array({3, 4}, 14)});
  // Its output feeding another op.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return sigmoid(permute(v[0], {1, 2, 0})) * v[1];
      },
      {random_array({2, 3, 4}, 15), random_array({3, 4, 2}, 16)});
}

TEST_CASE("permute errors", "[shape]") {
  Var<double> x(iota({2, 3, 4}));
  REQUIRE_THROWS_NAMING(permute(x, {1, 0}), ShapeError, "permute: perm [1,0] has 2 axes");
  REQUIRE_THROWS_NAMING(permute(x, {0, 0, 2}), ValueError,
                        "permute: perm [0,0,2] is not a permutation");
  REQUIRE_THROWS_NAMING(permute(x, {0, 1, 3}), ValueError,
                        "permute: perm [0,1,3] is not a permutation");
}

// ---------------------------------------------------------------------------------------------
// narrow, split, chunk

TEST_CASE("narrow slices one axis", "[shape]") {
  Var<double> x(iota({3, 4}));
  auto y = narrow(x, 1, 1, 2);
  CHECK(std::string(y.op()) == "narrow");
  CHECK(all_close(y.value(), arr({{1, 2}, {5, 6}, {9, 10}})));
  CHECK(all_close(narrow(x, 0, 2, 1).value(), arr({{8, 9, 10, 11}})));
  CHECK(all_close(narrow(x, -1, 3, 1).value(), array_of({3, 1}, {3, 7, 11})));
  CHECK(narrow(x, 0, 3, 0).shape() == Shape{0, 4});
  Var<double> c(iota({2, 3, 2}));
  CHECK(all_close(narrow(c, 1, 2, 1).value(), Array<double>({{{4, 5}}, {{10, 11}}})));
}

TEST_CASE("narrow adds its gradient into the slice", "[shape]") {
  Var<double> x(iota({3, 4}), true);
  auto y = narrow(x, 1, 1, 2);
  const Array<double> seed = arr({{1, 2}, {3, 4}, {5, 6}});
  y.backward(seed);
  CHECK(all_close(x.grad(), arr({{0, 1, 2, 0}, {0, 3, 4, 0}, {0, 5, 6, 0}})));
  y.backward(seed);  // a second pass accumulates into the leaf
  CHECK(all_close(x.grad(), arr({{0, 2, 4, 0}, {0, 6, 8, 0}, {0, 10, 12, 0}})));
  tape<double>().reset();
}

TEST_CASE("narrow gradients", "[shape]") {
  REQUIRE_GRADCHECK([](const Vars& v) { return narrow(v[0], 1, 1, 2); },
                    {random_array({2, 4, 3}, 17)});
  REQUIRE_GRADCHECK([](const Vars& v) { return narrow(v[0], -1, 2, 1); },
                    {random_array({3, 4}, 18)});
  // Fan-out: overlapping slices of x, added.
  REQUIRE_GRADCHECK([](const Vars& v) { return narrow(v[0], 1, 0, 3) + narrow(v[0], 1, 1, 3); },
                    {random_array({2, 4}, 19)});
  // The slice's backward runs first (it is recorded last), then another use of x adds to it...
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return concat({tanh(v[0]), narrow(v[0], 0, 1, 1)}, 0);
      },
      {random_array({3, 2}, 20)});
  // ... and the other way round.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return concat({narrow(v[0], 0, 1, 1), tanh(v[0])}, 0);
      },
      {random_array({3, 2}, 21)});
}

TEST_CASE("narrow errors", "[shape]") {
  Var<double> x(iota({2, 5}));
  REQUIRE_THROWS_NAMING(narrow(x, 2, 0, 1), ValueError, "narrow: axis 2 out of range");
  REQUIRE_THROWS_NAMING(narrow(x, -3, 0, 1), ValueError, "narrow: axis -3 out of range");
  REQUIRE_THROWS_NAMING(narrow(x, 1, 3, 3), ShapeError,
                        "narrow: [3, 6) exceeds extent 5 of axis 1 in [2,5]");
  REQUIRE_THROWS_NAMING(narrow(x, 0, 3, 0), ShapeError, "narrow:");
}

TEST_CASE("split cuts an axis into consecutive parts", "[shape]") {
  Var<double> x(iota({2, 4}));
  auto parts = split(x, 1, {1, 3});
  REQUIRE(parts.size() == 2);
  CHECK(all_close(parts[0].value(), array_of({2, 1}, {0, 4})));
  CHECK(all_close(parts[1].value(), arr({{1, 2, 3}, {5, 6, 7}})));
  auto rows = split(x, -2, {2, 0});
  CHECK(all_close(rows[0].value(), x.value()));
  CHECK(rows[1].shape() == Shape{0, 4});
}

TEST_CASE("split gradients", "[shape]") {
  // The middle part is unused: its gradient is zero.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        auto p = split(v[0], 0, {2, 1, 3});
        return concat({tanh(p[2]), p[0]}, 0);
      },
      {random_array({6, 2}, 22)});
  // Fan-out: the parts of x multiplied with x's own slices.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        auto p = split(v[0], 1, {2, 2});
        return p[0] * p[1] * narrow(v[0], 1, 1, 2);
      },
      {random_array({3, 4}, 23)});
}

TEST_CASE("split errors", "[shape]") {
  Var<double> x(iota({3, 5}));
  REQUIRE_THROWS_NAMING(split(x, 1, {2, 2}), ShapeError,
                        "split: sizes [2,2] sum to 4, but axis 1 of [3,5] has extent 5");
  REQUIRE_THROWS_NAMING(split(x, 2, {3}), ValueError, "split: axis 2 out of range");
}

TEST_CASE("chunk cuts an axis into equal parts", "[shape]") {
  Var<double> x(iota({2, 6}));
  auto parts = chunk(x, 3, 1);
  REQUIRE(parts.size() == 3);
  CHECK(all_close(parts[0].value(), arr({{0, 1}, {6, 7}})));
  CHECK(all_close(parts[1].value(), arr({{2, 3}, {8, 9}})));
  CHECK(all_close(parts[2].value(), arr({{4, 5}, {10, 11}})));
  CHECK(chunk(x, 1, 0)[0].shape() == Shape{2, 6});
}

TEST_CASE("chunk gradients: an LSTM's gates", "[shape]") {
  // gates [B, 4H] → i, f, g, o; c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c').
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        auto gates = chunk(v[0], 4, -1);
        auto c = sigmoid(gates[1]) * v[1] + sigmoid(gates[0]) * tanh(gates[2]);
        return sigmoid(gates[3]) * tanh(c);
      },
      {random_array({2, 12}, 24), random_array({2, 3}, 25)});
  // Fan-out: the chunks of x and x itself.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        auto p = chunk(v[0], 2, 0);
        return concat({p[1] * p[0], v[0]}, 0);
      },
      {random_array({4, 3}, 26)});
}

TEST_CASE("chunk errors", "[shape]") {
  Var<double> x(iota({3, 5}));
  REQUIRE_THROWS_NAMING(chunk(x, 2, 1), ShapeError,
                        "chunk: extent 5 of axis 1 in [3,5] is not divisible by 2 chunks");
  REQUIRE_THROWS_NAMING(chunk(x, 0, 1), ValueError, "chunk:");
  REQUIRE_THROWS_NAMING(chunk(x, 1, -3), ValueError, "chunk: axis -3 out of range");
}

// ---------------------------------------------------------------------------------------------
// concat, stack

TEST_CASE("concat joins along an existing axis", "[shape]") {
  Var<double> a(arr({{1, 2}, {3, 4}}));
  Var<double> b(arr({{5, 6, 7}, {8, 9, 10}}));
  auto y = concat({a, b}, 1);
  CHECK(std::string(y.op()) == "concat");
  CHECK(all_close(y.value(), arr({{1, 2, 5, 6, 7}, {3, 4, 8, 9, 10}})));
  Var<double> c(arr({{0, -1}}));
  CHECK(all_close(concat({c, a, c}, -2).value(), arr({{0, -1}, {1, 2}, {3, 4}, {0, -1}})));
  CHECK(all_close(concat(std::vector<Var<double>>{a}, 0).value(), a.value()));
}

TEST_CASE("concat of one input twice doubles its gradient", "[shape]") {
  Var<double> x(arr({{1, 2}, {3, 4}}), true);
  auto y = concat({x, x}, 1);
  CHECK(all_close(y.value(), arr({{1, 2, 1, 2}, {3, 4, 3, 4}})));
  y.backward(arr({{1, 2, 10, 20}, {3, 4, 30, 40}}));
  CHECK(all_close(x.grad(), arr({{11, 22}, {33, 44}})));
  tape<double>().reset();
}

TEST_CASE("concat gradients", "[shape]") {
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return concat({v[0], v[1], v[2]}, 1);
      },
      {random_array({2, 1, 3}, 27), random_array({2, 3, 3}, 28), random_array({2, 2, 3}, 29)});
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return concat({v[0], v[1]}, -1);
      },
      {random_array({3, 2}, 30), random_array({3, 1}, 31)});
  // Fan-out, and the output feeding another op.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return exp(concat({v[0], v[1], v[0]}, 0)) * v[2];
      },
      {random_array({1, 3}, 32), random_array({2, 3}, 33), random_array({4, 3}, 34)});
}

TEST_CASE("concat errors", "[shape]") {
  Var<double> a(iota({3, 4})), b(iota({3, 2})), c(iota({3, 5})), d(iota({2, 4}));
  REQUIRE_THROWS_NAMING(concat(std::vector<Var<double>>{}, 0), ValueError, "concat: no inputs");
  try {
    concat({a, b, d}, 1);
    FAIL("concat accepted mismatched shapes");
  } catch (const ShapeError& e) {
    CHECK(
        std::string(e.what()) ==
        "concat: input 2 has shape [2,4], expected [3,*] matching input 0 [3,4] except on axis 1");
  }
  REQUIRE_THROWS_NAMING(concat({a, c, Var<double>(iota({3}))}, 1), ShapeError,
                        "concat: input 2 has shape [3], expected [3,*]");
  REQUIRE_THROWS_NAMING(concat({a, b}, 0), ShapeError, "concat: input 1 has shape [3,2]");
  REQUIRE_THROWS_NAMING(concat({a, b}, 2), ValueError, "concat: axis 2 out of range");
}

TEST_CASE("stack joins along a new axis", "[shape]") {
  Var<double> a(arr({{1, 2, 3}, {4, 5, 6}}));
  Var<double> b(arr({{7, 8, 9}, {10, 11, 12}}));
  auto y = stack({a, b}, 0);
  CHECK(std::string(y.op()) == "stack");
  CHECK(all_close(y.value(), Array<double>({{{1, 2, 3}, {4, 5, 6}}, {{7, 8, 9}, {10, 11, 12}}})));
  auto last = stack({a, b}, -1);
  CHECK(all_close(last.value(),
                  Array<double>({{{1, 7}, {2, 8}, {3, 9}}, {{4, 10}, {5, 11}, {6, 12}}})));
  auto mid = stack({a, b, a}, 1);
  REQUIRE(mid.shape() == Shape{2, 3, 3});
  CHECK(all_close(Array<double>(xt::view(mid.value(), 1, 1, xt::all())), arr({10, 11, 12})));
  // Scalars stack into a vector.
  auto s = stack({Var<double>(Array<double>(3.0)), Var<double>(Array<double>(4.0))}, 0);
  CHECK(all_close(s.value(), arr({3, 4})));
}

TEST_CASE("stack gradients", "[shape]") {
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return stack({v[0], v[1]}, 1);
      },
      {random_array({2, 3}, 35), random_array({2, 3}, 36)});
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return stack({v[0], v[1], v[0]}, -1);
      },
      {random_array({3, 2}, 37), random_array({3, 2}, 38)});
  // Fan-out through another op, and the output feeding one.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return tanh(stack({v[0], tanh(v[0]), v[0]}, 0)) * 2.0;
      },
      {random_array({2, 2}, 39)});
}

TEST_CASE("stack errors", "[shape]") {
  Var<double> a(iota({3, 4})), b(iota({4, 3}));
  REQUIRE_THROWS_NAMING(stack(std::vector<Var<double>>{}, 0), ValueError, "stack: no inputs");
  REQUIRE_THROWS_NAMING(stack({a, a, b}, 0), ShapeError,
                        "stack: input 2 has shape [4,3], expected [3,4] like input 0");
  REQUIRE_THROWS_NAMING(stack({a, a}, 3), ValueError, "stack: axis 3 out of range for rank 3");
}

// ---------------------------------------------------------------------------------------------
// gather_rows, one_hot

TEST_CASE("gather_rows looks up rows by id", "[shape]") {
  Var<double> table(iota({4, 3}));
  IndexArray ids = {{3, 0}, {3, 1}};
  auto y = gather_rows(table, ids);
  CHECK(std::string(y.op()) == "gather_rows");
  CHECK(all_close(y.value(), Array<double>({{{9, 10, 11}, {0, 1, 2}}, {{9, 10, 11}, {3, 4, 5}}})));
  CHECK(all_close(gather_rows(table, IndexArray({2})).value(), arr({{6, 7, 8}})));
  CHECK(gather_rows(table, IndexArray(2)).shape() == Shape{3});  // a scalar id: one row
}

TEST_CASE("gather_rows scatter-adds into repeated rows", "[shape]") {
  Var<double> table(iota({4, 2}), true);
  auto y = gather_rows(table, IndexArray({1, 3, 1}));
  y.backward(arr({{1, 2}, {3, 4}, {10, 20}}));
  CHECK(all_close(table.grad(), arr({{0, 0}, {11, 22}, {0, 0}, {3, 4}})));
  tape<double>().reset();
}

TEST_CASE("gather_rows gradients", "[shape]") {
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return gather_rows(v[0], IndexArray({{4, 0, 4}, {2, 4, 1}}));
      },
      {random_array({5, 3}, 40)});
  // Fan-out: two lookups and a slice of one table, and the output feeding another op.
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        auto a = gather_rows(v[0], IndexArray({0, 2}));
        auto b = gather_rows(v[0], IndexArray({2, 2}));
        return tanh(a * b + narrow(v[0], 0, 1, 2) * 0.5);
      },
      {random_array({3, 2}, 41)});
}

TEST_CASE("gather_rows errors", "[shape]") {
  Var<double> table(iota({4, 3}));
  REQUIRE_THROWS_NAMING(
      gather_rows(table, IndexArray({{0, 1}, {4, 2}})), IndexError,
      "gather_rows: id 4 at position [1,0] is out of range for a table of 4 rows");
  REQUIRE_THROWS_NAMING(gather_rows(table, IndexArray({0, -1})), IndexError,
                        "gather_rows: id -1 at position [1]");
  REQUIRE_THROWS_NAMING(gather_rows(Var<double>(iota({4})), IndexArray({0})), ShapeError,
                        "gather_rows: table must be [rows, width], got [4]");
}

TEST_CASE("one_hot builds constant indicator rows", "[shape]") {
  tape<float>().reset();
  auto y = one_hot<float>(IndexArray({{0, 2}, {1, 0}}), 3);
  CHECK(std::string(y.op()) == "one_hot");
  CHECK_FALSE(y.requires_grad());
  CHECK(tape<float>().size() == 0);
  const Array<float> expected = {{{1, 0, 0}, {0, 0, 1}}, {{0, 1, 0}, {1, 0, 0}}};
  CHECK(all_close(y.value(), expected));
  CHECK(all_close(one_hot<double>(IndexArray(1), 2).value(), arr({0, 1})));
}

TEST_CASE("one_hot as a constant input to an op", "[shape]") {
  REQUIRE_GRADCHECK(
      [](const Vars& v) {
        return one_hot<double>(IndexArray({2, 0, 3}), 4) * v[0];
      },
      {random_array({3, 4}, 42)});
}

TEST_CASE("one_hot errors", "[shape]") {
  REQUIRE_THROWS_NAMING(one_hot<float>(IndexArray({{0, 1}, {1, 3}}), 3), IndexError,
                        "one_hot: id 3 at position [1,1] is out of range for depth 3");
  REQUIRE_THROWS_NAMING(one_hot<double>(IndexArray({-2}), 3), IndexError, "one_hot: id -2");
}

// ---------------------------------------------------------------------------------------------
// Across ops

TEST_CASE("shape ops agree in float32 and float64", "[shape]") {
  const Array<double> xd = random_array({2, 3, 4}, 43), td = random_array({5, 4}, 44);
  const IndexArray ids = {{4, 1, 1}, {0, 3, 2}}, other = {{2, 2}, {1, 0}, {4, 3}};
  auto run = [&](auto x, auto table) {
    auto parts = chunk(x, 2, -1);
    auto joined = concat({transpose(parts[1]), permute(parts[0], {0, 2, 1})}, 1);
    auto rows = gather_rows(table, ids) * permute(gather_rows(table, other), {1, 0, 2});
    return stack({reshape(tanh(joined), {2, 3, 4}), rows}, 0);
  };
  tape<double>().reset();
  tape<float>().reset();
  Var<double> x64(xd, true), t64(td, true);
  Var<float> x32(to_float(xd), true), t32(to_float(td), true);
  auto y64 = run(x64, t64);
  auto y32 = run(x32, t32);
  REQUIRE(y32.shape() == Shape{2, 2, 3, 4});
  CHECK(all_close(y32.value(), y64.value(), 1e-6));
  const Array<double> seed = random_array(y64.shape(), 45);
  y64.backward(seed);
  y32.backward(to_float(seed));
  CHECK(all_close(x32.grad(), x64.grad(), 1e-5));
  CHECK(all_close(t32.grad(), t64.grad(), 1e-5));
  tape<double>().reset();
  tape<float>().reset();
}

TEST_CASE("shape ops record nothing under NoGrad or on constants", "[shape]") {
  tape<double>().reset();
  Var<double> p(iota({2, 4}), true), c(iota({2, 4}));
  {
    NoGrad no_grad;
    auto y = concat(chunk(transpose(p), 2, 0), 1);
    CHECK_FALSE(y.requires_grad());
  }
  auto z = stack({reshape(c, {4, 2}), narrow(reshape(c, {4, 2}), 0, 0, 4)}, 0);
  CHECK_FALSE(z.requires_grad());
  CHECK(tape<double>().size() == 0);
  auto w = concat({c, p}, 0);
  CHECK(w.requires_grad());
  CHECK(tape<double>().size() == 1);
  tape<double>().reset();
}

TEST_CASE("select takes one index of an axis and drops it", "[shape]") {
  Var<double> x(random_array({2, 3, 4}, 13), true);
  auto y = select(x, 1, 2);
  CHECK(y.shape() == Shape{2, 4});
  CHECK(all_close(y.value(), xt::view(x.value(), xt::all(), 2, xt::all()), 0));
  CHECK(all_close(select(x, -1, 0).value(), xt::view(x.value(), xt::all(), xt::all(), 0), 0));
  CHECK_THROWS_WITH(select(x, 1, 3),
                    "select: index 3 is out of range for extent 3 of axis 1 in [2,3,4]");
  CHECK_THROWS_AS(select(x, 1, 3), IndexError);
  REQUIRE_GRADCHECK(
      GradcheckFn([](const Vars& v) { return select(v[0], 1, 1) * select(v[0], 1, 2); }),
      (std::vector{random_array({2, 3, 4}, 14)}));
  tape<double>().reset();
}
