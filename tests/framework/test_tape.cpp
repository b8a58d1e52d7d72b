#include <algorithm>
#include <catch2/catch.hpp>

#include "framework/memory.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/tape.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;

namespace {
Array<double> arr(std::initializer_list<double> v) { return Array<double>(v); }
}  // namespace

TEST_CASE("ops record on the tape only when an input requires a gradient", "[tape]") {
  tape<double>().reset();
  Var<double> c(arr({1, 2}));
  Var<double> p = Var<double>::parameter(arr({3, 4}));
  auto constant = c * c;
  CHECK_FALSE(constant.requires_grad());
  CHECK(tape<double>().size() == 0);
  auto y = c * p;
  CHECK(y.requires_grad());
  CHECK(tape<double>().size() == 1);
  CHECK(std::string(y.op()) == "mul");
  tape<double>().reset();
}

TEST_CASE("gradients accumulate across uses of one value (fan-out)", "[tape]") {
  tape<double>().reset();
  Var<double> x(arr({2, -3}), true);
  auto y = x * x + x;  // dy/dx = 2x + 1
  y.backward(arr({1, 1}));
  CHECK(all_close(x.grad(), arr({5, -5})));
  tape<double>().reset();
}

TEST_CASE("a second backward accumulates into leaves, not into intermediates", "[tape]") {
  tape<double>().reset();
  Var<double> x(arr({1.5}), true);
  auto h = x * x;
  h.retain_grad();
  auto y = h * 3.0;
  y.backward();
  y.backward();
  CHECK(x.grad()(0) == Approx(2 * 6 * 1.5));
  CHECK(h.grad()(0) == Approx(3.0));  // intermediate: one pass's gradient
  tape<double>().reset();
}

TEST_CASE("backward frees intermediate gradients unless retained", "[tape]") {
  tape<double>().reset();
  Var<double> x(arr({2.0}), true);
  auto h = x * x;
  auto y = h * 3.0;
  y.backward();
  CHECK(x.grad()(0) == Approx(12.0));  // leaves keep theirs
  CHECK_THROWS_WITH(h.grad(),
                    "grad: the gradient of intermediate 'mul' was freed by backward once "
                    "propagated; call retain_grad() on it before backward to keep it");
  CHECK_THROWS_AS(h.grad(), TapeError);
  tape<double>().reset();
}

TEST_CASE("zero_grad starts a parameter's gradient afresh", "[tape]") {
  auto w = Var<double>::parameter(arr({2}));
  for (int step = 0; step < 3; ++step) {
    w.zero_grad();
    (w * w).backward();
    CHECK(w.grad()(0) == Approx(4.0));
    tape<double>().reset();
  }
}

TEST_CASE("a 200,000-op chain runs backward and is freed without recursion", "[tape]") {
  tape<float>().reset();
  Var<float> x(Array<float>({0.5f}), true);
  {
    Var<float> h = x;
    for (int i = 0; i < 200000; ++i) h = h * 1.0f;
    CHECK(tape<float>().size() == 200000);
    h.backward();
    CHECK(x.grad()(0) == Approx(1.0f));
  }  // the last handle goes while the tape still holds the chain
  tape<float>().reset();
  CHECK(tape<float>().size() == 0);
  // The chain again, this time dropped only through the handle: no tape reset first.
  {
    Var<float> h = x;
    for (int i = 0; i < 200000; ++i) h = tanh(h);
  }
  tape<float>().reset();
}

TEST_CASE("NoGrad records nothing and its results do not require gradients", "[tape]") {
  tape<float>().reset();
  auto w = Var<float>::parameter(Array<float>({1.0f, 2.0f}));
  {
    NoGrad no_grad;
    CHECK_FALSE(grad_enabled());
    Var<float> h = w;
    for (int i = 0; i < 100000; ++i) h = tanh(h * w);
    CHECK_FALSE(h.requires_grad());
    CHECK(tape<float>().size() == 0);
  }
  CHECK(grad_enabled());
  CHECK((w * w).requires_grad());
  tape<float>().reset();
}

TEST_CASE("detach cuts history: no gradient flows through it", "[tape]") {
  tape<double>().reset();
  Var<double> x(arr({3}), true);
  auto h = x * x;
  auto d = detach(h);
  CHECK_FALSE(d.requires_grad());
  CHECK(d.value()(0) == 9.0);
  auto y = d * x + h;  // dy/dx = d + 2x = 9 + 6
  y.backward();
  CHECK(x.grad()(0) == Approx(15.0));
  tape<double>().reset();
}

TEST_CASE("values surviving a reset become constants, backward through them is refused", "[tape]") {
  tape<double>().reset();
  Var<double> x(arr({3}), true);
  auto h = x * x;
  tape<double>().reset();
  CHECK(h.value()(0) == 9.0);
  CHECK_THROWS_AS(h.backward(), TapeError);
  try {
    h.backward();
  } catch (const TapeError& e) {
    CHECK_THAT(e.what(), Catch::Contains("reset"));
  }
  tape<double>().reset();
}

TEST_CASE("backward misuse gives typed errors", "[tape][errors]") {
  tape<double>().reset();
  Var<double> x(arr({1, 2}), true);
  auto y = x * x;
  SECTION("non-scalar without a seed") {
    CHECK_THROWS_AS(y.backward(), TapeError);
    try {
      y.backward();
    } catch (const TapeError& e) {
      CHECK_THAT(e.what(), Catch::Contains("[2]"));
    }
  }
  SECTION("seed of the wrong shape") { CHECK_THROWS_AS(y.backward(arr({1, 2, 3})), ShapeError); }
  SECTION("a value that requires no gradient") {
    Var<double> c(arr({1}));
    CHECK_THROWS_AS((c * c).backward(), TapeError);
  }
  SECTION("an empty Var") {
    Var<double> empty;
    CHECK_THROWS_AS(empty.value(), TapeError);
    CHECK_THROWS_AS(empty * x, TapeError);
  }
  tape<double>().reset();
}

TEST_CASE("changing a value saved for backward is detected", "[tape][errors]") {
  tape<double>().reset();
  auto w = Var<double>::parameter(arr({2}));
  Var<double> x(arr({3}), true);
  auto y = w * x;
  w.mutable_value()(0) = 5.0;  // an optimizer step before backward
  CHECK_THROWS_AS(y.backward(), TapeError);
  try {
    y.backward();
  } catch (const TapeError& e) {
    CHECK_THAT(e.what(), Catch::Contains("mul") && Catch::Contains("modified"));
  }
  Var<double> recorded = y;
  CHECK_THROWS_AS(recorded.mutable_value(), TapeError);  // only leaves may change
  tape<double>().reset();
}

#ifndef UNROLL_NO_CACHE  // the sanitizer build frees every buffer instead of caching it
TEST_CASE("a repeated training step takes no new memory from the system", "[tape][memory]") {
  auto w = Var<float>::parameter(xt::ones<float>({64, 64}));
  auto step = [&] {
    Var<float> x(xt::ones<float>({8, 64}));
    auto loss = tanh(linear(x, w)) * 2.0f;  // held across the reset, as a training loop does
    loss.backward(xt::ones<float>({8, 64}));
    tape<float>().reset();
  };
  step();
  const auto before = memory_stats();
  for (int i = 0; i < 5; ++i) step();
  const auto after = memory_stats();
  CHECK(after.system_allocs == before.system_allocs);
  CHECK(after.reuses > before.reuses);
}

TEST_CASE("the cache stays under its byte limit however many sizes pass through it",
          "[tape][memory]") {
  release_cached_memory();
  constexpr std::size_t kLimit = 256 << 10;
  const std::size_t previous = set_cache_limit(kLimit);
  std::size_t most_cached = 0;
  for (std::size_t n = 1; n <= 1000; ++n) {  // batches of ever new lengths: 32 MB in all
    Array<float> block = Array<float>::from_shape({16 * n});
    block.fill(1.0f);
    block = Array<float>();  // freed into the cache
    most_cached = std::max(most_cached, memory_stats().cached_bytes);
  }
  CHECK(most_cached <= kLimit);
  CHECK(most_cached > kLimit / 2);  // the recent sizes are kept, not everything dropped
  auto before = memory_stats();
  Array<float> recent = Array<float>::from_shape({16 * 1000});  // used last: still cached
  CHECK(memory_stats().reuses == before.reuses + 1);
  before = memory_stats();
  Array<float> oldest = Array<float>::from_shape({16});  // used first: given back
  CHECK(memory_stats().system_allocs == before.system_allocs + 1);
  set_cache_limit(0);  // a lower limit trims at once
  CHECK(memory_stats().cached_bytes == 0);
  set_cache_limit(previous);
}
#endif

TEST_CASE("the value of a temporary Var is a copy, so it cannot dangle", "[tape]") {
  NoGrad no_grad;  // the temporary's node is freed as soon as the expression ends
  Var<double> x(arr({1.5, 2.5}));
  const auto& doubled = (x * 2.0).value();
  const auto& big = (x * 100.0).value();  // would reuse the freed node's buffer
  CHECK(doubled(0) == 3.0);
  CHECK(doubled(1) == 5.0);
  CHECK(big(1) == 250.0);
}

TEST_CASE("assigning a Var to itself keeps its node and its counts", "[tape]") {
  tape<double>().reset();
  Var<double> a(arr({1, 2}), true);
  Var<double> b = a;
  Var<double>& alias = b;
  b = alias;  // a = a
  REQUIRE(b.defined());
  CHECK(b.node() == a.node());
  CHECK(b.node()->handles == 2);
  CHECK(b.node()->refs == 2);
  std::vector<Var<double>> v{a, a};  // v[i] = v[j] with i == j
  const std::size_t i = 1, j = 1;
  v[i] = v[j];
  REQUIRE(v[1].defined());
  CHECK(v[1].value()(1) == 2.0);
  CHECK(a.node()->handles == 4);
  b = std::move(alias);  // self-move
  REQUIRE(b.defined());
  CHECK(a.node()->handles == 4);
  v.clear();
  CHECK(a.node()->refs == 2);
}

TEST_CASE("the shape of a temporary Var is a copy, so it cannot dangle", "[tape]") {
  NoGrad no_grad;  // the temporary's node is freed as soon as the expression ends
  Var<double> x(arr({1.5, 2.5}));
  const auto& shape = (x * 2.0).shape();
  Var<double> other(Array<double>::from_shape({3, 4}));  // would take the freed node
  CHECK(shape_str(shape) == "[2]");
  CHECK(shape_str(other.shape()) == "[3,4]");
}

TEST_CASE("a reset makes surviving intermediates constants; parameters keep requiring gradients",
          "[tape]") {
  tape<double>().reset();
  auto w = Var<double>::parameter(arr({2}));
  Var<double> x(arr({3}), true);
  auto h = x * w;  // a carried state that was not detached
  tape<double>().reset();
  CHECK_FALSE(h.requires_grad());
  CHECK(h.is_leaf());
  CHECK(w.requires_grad());
  CHECK(x.requires_grad());  // a leaf, not a recorded intermediate: it keeps its flag
  auto y = h * h;
  CHECK_FALSE(y.requires_grad());
  CHECK(tape<double>().size() == 0);
  auto z = h * w;  // still recorded through the parameter, h is a constant factor
  CHECK(tape<double>().size() == 1);
  z.backward();
  CHECK(w.grad()(0) == 6.0);
  CHECK_FALSE(h.has_grad());
  tape<double>().reset();
}
