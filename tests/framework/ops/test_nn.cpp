#include <cmath>
#include <limits>
#include <random>
#include <xtensor/xbuilder.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "framework/errors.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/reduce.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

using Leaves = std::vector<Var<double>>;
using Inputs = std::vector<Array<double>>;

// softmax([0, ln 2, ln 5]) = [1, 2, 5] / 8.
const Array<double> kLogits = {{0, std::log(2.0), std::log(5.0)}, {1, 1, 1}};
const Array<double> kProbs = {{1.0 / 8, 2.0 / 8, 5.0 / 8}, {1.0 / 3, 1.0 / 3, 1.0 / 3}};

// The gradient x receives from y.backward(seed).
Array<double> grad_of(const Var<double>& x, const Var<double>& y, const Array<double>& seed) {
  y.backward(seed);
  return x.grad();
}

}  // namespace

TEST_CASE("softmax: known values", "[nn]") {
  const Var<double> x(kLogits);
  CHECK(all_close(softmax(x).value(), kProbs));
  CHECK(all_close(softmax(x, 1).value(), kProbs));
  const Var<double> columns(Array<double>(xt::transpose(kLogits)));
  CHECK(all_close(softmax(columns, 0).value(), Array<double>(xt::transpose(kProbs))));
  CHECK(all_close(softmax(columns, -2).value(), Array<double>(xt::transpose(kProbs))));
}

TEST_CASE("softmax: stable for large logits", "[nn]") {
  const Var<double> big(
      Array<double>{{1000, 1000 + std::log(2.0), 1000 + std::log(5.0)}, {-1000, -1000, -1000}});
  CHECK(all_close(softmax(big).value(), kProbs));
  const Var<float> big32(Array<float>{1000, 1001, 1002});
  const Array<float> y = softmax(big32).value();
  CHECK(std::isfinite(y(0)));
  CHECK(all_close(
      y, Array<double>{1, std::exp(1.0), std::exp(2.0)} / (1 + std::exp(1.0) + std::exp(2.0)),
      1e-6));
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(all_close(softmax(Var<double>(Array<double>{-inf, 0, 0})).value(),
                  Array<double>{0, 0.5, 0.5}));
}

TEST_CASE("softmax: gradient", "[nn]") {
  Var<double> x(kLogits, true);
  const Array<double> seed = {{1, 0, 0}, {0, 0, 0}};  // dy0/dx = y0 (onehot − y)
  CHECK(all_close(grad_of(x, softmax(x), seed),
                  Array<double>{{1.0 / 8 * 7 / 8, -1.0 / 8 * 2 / 8, -1.0 / 8 * 5 / 8}, {0, 0, 0}}));

  const Inputs in{random_array({2, 3, 4}, 11, -3, 3)};
  auto last = [](const Leaves& v) { return softmax(v[0]); };
  auto first = [](const Leaves& v) { return softmax(v[0], 0); };
  auto middle = [](const Leaves& v) { return softmax(v[0], -2); };
  auto fan_out = [](const Leaves& v) { return softmax(v[0], 1) * v[0]; };
  REQUIRE_GRADCHECK(last, in);
  REQUIRE_GRADCHECK(first, in);
  REQUIRE_GRADCHECK(middle, in);
  REQUIRE_GRADCHECK(fan_out, in);
}

TEST_CASE("log_softmax: known values and stability", "[nn]") {
  CHECK(all_close(log_softmax(Var<double>(kLogits)).value(), Array<double>(xt::log(kProbs))));
  const Var<double> big(
      Array<double>{{1000, 1000 + std::log(2.0), 1000 + std::log(5.0)}, {-1000, -1000, -1000}});
  CHECK(all_close(log_softmax(big, -1).value(), Array<double>(xt::log(kProbs))));
  const Array<double> tiny = log_softmax(Var<double>(Array<double>{0, 2000}), 0).value();
  CHECK(tiny(0) == -2000);  // finite where log(softmax) would be log 0 = −∞
  CHECK(tiny(1) == 0);
  const Var<double> columns(Array<double>(xt::transpose(kLogits)));
  CHECK(all_close(log_softmax(columns, 0).value(), Array<double>(xt::transpose(xt::log(kProbs)))));
}

TEST_CASE("log_softmax: gradient", "[nn]") {
  Var<double> x(kLogits, true);
  const Array<double> seed = {{1, 0, 0}, {0, 0, 0}};  // d log y0 / dx = onehot − y
  CHECK(all_close(grad_of(x, log_softmax(x), seed),
                  Array<double>{{7.0 / 8, -2.0 / 8, -5.0 / 8}, {0, 0, 0}}));

  const Inputs in{random_array({2, 3, 4}, 12, -3, 3)};
  auto last = [](const Leaves& v) { return log_softmax(v[0]); };
  auto first = [](const Leaves& v) { return log_softmax(v[0], 0); };
  auto middle = [](const Leaves& v) { return log_softmax(v[0], 1); };
  auto fan_out = [](const Leaves& v) { return log_softmax(v[0], -1) * softmax(v[0], -1); };
  REQUIRE_GRADCHECK(last, in);
  REQUIRE_GRADCHECK(first, in);
  REQUIRE_GRADCHECK(middle, in);
  REQUIRE_GRADCHECK(fan_out, in);
}

TEST_CASE("cross_entropy: known values", "[nn]") {
  // Row 0 picks p = 5/8, row 1 p = 1/3.
  const Var<double> x(kLogits);
  const double expected = (-std::log(5.0 / 8) - std::log(1.0 / 3)) / 2;
  CHECK(cross_entropy(x, IndexArray{2, 0}).shape().empty());
  CHECK(std::abs(cross_entropy(x, IndexArray{2, 0}).item() - expected) < 1e-12);

  // [2, 1, 3] logits take [2, 1] targets.
  Array<double> x3 = kLogits;
  x3.reshape({2, 1, 3});
  IndexArray t3 = {2, 0};
  t3.reshape({2, 1});
  CHECK(std::abs(cross_entropy(Var<double>(x3), t3).item() - expected) < 1e-12);

  // A single row of logits [C] takes a 0-d target.
  IndexArray t0 = IndexArray::from_shape({});
  t0() = 1;
  CHECK(std::abs(cross_entropy(Var<double>(Array<double>{0, std::log(3.0)}), t0).item() -
                 -std::log(0.75)) < 1e-12);
}

TEST_CASE("cross_entropy: one fused node, mse a composition", "[nn]") {
  tape<double>().reset();
  const Var<double> x(kLogits, true);
  const Var<double> loss = cross_entropy(x, IndexArray{2, 0});
  CHECK(tape<double>().size() == 1);
  CHECK(std::string(loss.op()) == "cross_entropy");
  CHECK(std::string(mse(x, x).op()) == "mean");
  tape<double>().reset();
}

TEST_CASE("cross_entropy: gradient is (softmax − onehot) / count", "[nn]") {
  Var<double> x(kLogits, true);
  cross_entropy(x, IndexArray{2, 0}).backward();
  const Array<double> expected = {{1.0 / 8 / 2, 2.0 / 8 / 2, (5.0 / 8 - 1) / 2},
                                  {(1.0 / 3 - 1) / 2, 1.0 / 3 / 2, 1.0 / 3 / 2}};
  CHECK(all_close(x.grad(), expected));

  const Inputs in{random_array({4, 5}, 13, -3, 3)};
  auto f = [](const Leaves& v) { return cross_entropy(v[0], IndexArray{4, 0, 2, 2}); };
  REQUIRE_GRADCHECK(f, in);

  const Inputs in3{random_array({2, 3, 4}, 14, -3, 3)};
  auto f3 = [](const Leaves& v) { return cross_entropy(v[0], IndexArray{{0, 3, 1}, {2, 2, 0}}); };
  REQUIRE_GRADCHECK(f3, in3);

  auto fan_out = [](const Leaves& v) {
    return cross_entropy(v[0], IndexArray{1, 0, 4, 3}) * mean(v[0]) +
           cross_entropy(v[0] * 2.0, IndexArray{0, 0, 1, 1});
  };
  REQUIRE_GRADCHECK(fan_out, in);
}

TEST_CASE("cross_entropy: ignored targets", "[nn]") {
  const Array<double> logits = random_array({4, 5}, 15, -3, 3);
  Var<double> x(logits, true);
  const IndexArray with_ignored = {1, -100, 3, -100};
  const Var<double> loss = cross_entropy(x, with_ignored);
  // The mean over the kept rows 0 and 2 only.
  const Array<double> lsm = log_softmax(Var<double>(logits)).value();
  CHECK(std::abs(loss.item() - -(lsm(0, 1) + lsm(2, 3)) / 2) < 1e-12);
  loss.backward();
  CHECK(all_close(xt::row(x.grad(), 1), xt::zeros<double>({5})));
  CHECK(all_close(xt::row(x.grad(), 3), xt::zeros<double>({5})));
  CHECK(std::abs(xt::sum(xt::row(x.grad(), 0))()) < 1e-12);  // each kept row sums to 0
  CHECK(x.grad()(0, 1) < 0);

  auto f = [](const Leaves& v) { return cross_entropy(v[0], IndexArray{1, -100, 3, -100}); };
  REQUIRE_GRADCHECK(f, Inputs{logits});

  // A custom ignore_index inside [0, C) (say, a padding class 0) ignores those rows.
  const double custom = cross_entropy(Var<double>(logits), IndexArray{0, 2, 0, 4}, 0).item();
  CHECK(std::abs(custom - -(lsm(1, 2) + lsm(3, 4)) / 2) < 1e-12);

  // Every target ignored: the loss is 0 and the gradient is zero.
  Var<double> all(logits, true);
  const Var<double> none = cross_entropy(all, IndexArray{-100, -100, -100, -100});
  CHECK(none.item() == 0);
  none.backward();
  CHECK(all_close(all.grad(), xt::zeros<double>({4, 5})));
  auto g = [](const Leaves& v) { return cross_entropy(v[0], IndexArray{-1, -1, -1, -1}, -1); };
  REQUIRE_GRADCHECK(g, Inputs{logits});
}

TEST_CASE("cross_entropy: stable for large logits", "[nn]") {
  const Var<double> big(Array<double>{{1000, 0, -1000}, {-1000, 1000, 1000}});
  const double loss = cross_entropy(big, IndexArray{0, 1}).item();
  CHECK(std::abs(loss - std::log(2.0) / 2) < 1e-12);
  const Var<float> big32(Array<float>{{1000, 0, -1000}, {-1000, 1000, 1000}});
  CHECK(std::abs(cross_entropy(big32, IndexArray{2, 1}).item() - (2000 + std::log(2.0)) / 2) <
        1e-3);
}

TEST_CASE("cross_entropy: errors", "[nn]") {
  const Var<double> x(kLogits);  // [2, 3]
  REQUIRE_THROWS_AS(cross_entropy(x, IndexArray{0, 1, 2}), ShapeError);
  REQUIRE_THROWS_WITH(cross_entropy(x, IndexArray{0, 1, 2}), Catch::Contains("cross_entropy") &&
                                                                 Catch::Contains("[3]") &&
                                                                 Catch::Contains("[2,3]"));
  REQUIRE_THROWS_AS(cross_entropy(x, IndexArray{{0, 1}}), ShapeError);
  REQUIRE_THROWS_AS(cross_entropy(Var<double>(Array<double>(Shape{}, 1.0)), IndexArray{0}),
                    ShapeError);

  REQUIRE_THROWS_AS(cross_entropy(x, IndexArray{0, 3}), IndexError);
  REQUIRE_THROWS_WITH(cross_entropy(x, IndexArray{0, 3}),
                      Catch::Contains("cross_entropy") && Catch::Contains("target 3") &&
                          Catch::Contains("position [1]") && Catch::Contains("[0, 3)"));
  REQUIRE_THROWS_AS(cross_entropy(x, IndexArray{-1, 0}), IndexError);
  REQUIRE_THROWS_WITH(cross_entropy(x, IndexArray{-1, 0}),
                      Catch::Contains("target -1") && Catch::Contains("position [0]"));
  Array<double> x3 = kLogits;
  x3.reshape({1, 2, 3});
  REQUIRE_THROWS_WITH(cross_entropy(Var<double>(x3), IndexArray{{0, 7}}),
                      Catch::Contains("target 7") && Catch::Contains("position [0,1]"));
  // -100 is ignored by default but is an error under another ignore_index.
  REQUIRE_NOTHROW(cross_entropy(x, IndexArray{-100, 0}));
  REQUIRE_THROWS_AS(cross_entropy(x, IndexArray{-100, 0}, 5), IndexError);
}

TEST_CASE("mse: known values, gradient and shape check", "[nn]") {
  const Var<double> a(Array<double>{{1, 2}, {3, 4}});
  const Var<double> b(Array<double>{{1, 0}, {0, 4}});
  CHECK(mse(a, b).shape().empty());
  CHECK(mse(a, b).item() == (4.0 + 9.0) / 4);

  Var<double> p(Array<double>{1, 2, 3}, true);
  mse(p, Var<double>(Array<double>{0, 2, 5})).backward();
  CHECK(all_close(p.grad(), Array<double>{2.0 / 3, 0, -4.0 / 3}));

  const Inputs in{random_array({3, 4}, 16), random_array({3, 4}, 17)};
  auto f = [](const Leaves& v) { return mse(v[0], v[1]); };
  auto fan_out = [](const Leaves& v) { return mse(v[0], v[0] * v[1]); };
  REQUIRE_GRADCHECK(f, in);
  REQUIRE_GRADCHECK(fan_out, in);

  const Var<double> row(Array<double>{{1, 2}});
  REQUIRE_THROWS_AS(mse(a, row), ShapeError);
  REQUIRE_THROWS_WITH(
      mse(a, row), Catch::Contains("mse") && Catch::Contains("[2,2]") && Catch::Contains("[1,2]"));
}

TEST_CASE("dropout: gradient with a fixed mask", "[nn]") {
  const Inputs in{random_array({4, 6}, 18)};
  auto f = [](const Leaves& v) {
    std::mt19937_64 rng(42);  // the same mask at every evaluation
    return dropout(v[0], 0.3, true, rng);
  };
  REQUIRE_GRADCHECK(f, in);
  auto fan_out = [](const Leaves& v) {
    std::mt19937_64 rng(43);
    return dropout(v[0], 0.5, true, rng) * v[0];
  };
  REQUIRE_GRADCHECK(fan_out, in);

  // dx = mask: 0 where dropped, 1/(1 − p) where kept.
  std::mt19937_64 rng(44);
  Var<double> x(xt::ones<double>({3, 5}), true);
  const Var<double> y = dropout(x, 0.5, true, rng);
  y.backward(xt::ones<double>({3, 5}));
  CHECK(all_close(x.grad(), y.value()));
  for (double m : y.value()) CHECK((m == 0 || m == 2));
}

TEST_CASE("dropout: keeps about 1 − p of the elements, scaled by 1/(1 − p)", "[nn]") {
  std::mt19937_64 rng(45);
  const double p = 0.3;
  const Var<float> x(xt::ones<float>({200, 500}));
  const Array<float> y = dropout(x, p, true, rng).value();
  std::size_t kept = 0, misscaled = 0;
  for (float v : y) {
    kept += v != 0;
    misscaled += v != 0 && std::abs(v - 1 / (1 - p)) > 1e-6;
  }
  CHECK(misscaled == 0);
  CHECK(std::abs(static_cast<double>(kept) / y.size() - (1 - p)) < 0.01);
}

TEST_CASE("dropout: identity in eval mode and for p = 0", "[nn]") {
  std::mt19937_64 rng(46);
  const std::mt19937_64 untouched = rng;
  const Var<double> x(random_array({3, 4}, 19), true);
  const Var<double> eval = dropout(x, 0.5, false, rng);
  CHECK(eval.node() == x.node());
  const Var<double> zero = dropout(x, 0.0, true, rng);
  CHECK(zero.node() == x.node());
  CHECK(rng == untouched);
}

TEST_CASE("dropout: errors", "[nn]") {
  std::mt19937_64 rng(47);
  const Var<double> x(xt::ones<double>({2, 2}));
  REQUIRE_THROWS_AS(dropout(x, 1.0, true, rng), ValueError);
  REQUIRE_THROWS_WITH(dropout(x, 1.0, true, rng),
                      Catch::Contains("dropout") && Catch::Contains("1"));
  REQUIRE_THROWS_AS(dropout(x, -0.1, true, rng), ValueError);
  REQUIRE_THROWS_AS(dropout(x, std::nan(""), true, rng), ValueError);
  REQUIRE_THROWS_AS(dropout(x, 1.5, false, rng), ValueError);  // checked in eval mode too
}

TEST_CASE("dropout: shards of a batch apply the whole batch's mask and keep one stream",
          "[nn]") {
  // A [3, 5, 3] batch (odd sizes: a shard may start in the middle of a draw), split along
  // axis 0 (rows 0–1 and 2) and along axis 1 (columns 0–1 and 2–4).
  const Array<double> ones = xt::ones<double>({3, 5, 3});
  std::mt19937_64 whole_rng(48);
  const Array<double> whole = dropout(Var<double>(ones), 0.4, true, whole_rng).value();
  for (const std::size_t axis : {std::size_t{0}, std::size_t{1}}) {
    INFO("axis " << axis);
    const std::size_t split = 2, total = axis == 0 ? 3 : 5;
    for (const auto& [first, count] :
         {std::pair<std::size_t, std::size_t>{0, split}, {split, total - split}}) {
      Shape shape{3, 5, 3};
      shape[axis] = count;
      std::mt19937_64 rng(48);
      const Array<double> part =
          dropout(Var<double>(Array<double>(xt::ones<double>(shape))), 0.4, true, rng,
                  BatchShard{axis, first, total})
              .value();
      const Array<double> expected =
          axis == 0 ? Array<double>(xt::view(whole, xt::range(first, first + count)))
                    : Array<double>(xt::view(whole, xt::all(), xt::range(first, first + count)));
      CHECK(part == expected);
      CHECK(rng == whole_rng);  // advanced past the whole batch's draws
    }
  }
}

TEST_CASE("dropout: a shard that does not fit is a ShapeError", "[nn]") {
  std::mt19937_64 rng(49);
  const Var<double> x(xt::ones<double>({2, 4}));
  REQUIRE_THROWS_AS(dropout(x, 0.5, true, rng, BatchShard{0, 1, 2}), ShapeError);
  REQUIRE_THROWS_WITH(dropout(x, 0.5, true, rng, BatchShard{0, 1, 2}),
                      Catch::Contains("rows [1, 3) of 2"));
  REQUIRE_THROWS_AS(dropout(x, 0.5, true, rng, BatchShard{2, 0, 4}), ShapeError);
}

TEST_CASE("softmax-family axis errors", "[nn]") {
  const Var<double> x(kLogits);
  REQUIRE_THROWS_AS(softmax(x, 2), ValueError);
  REQUIRE_THROWS_WITH(softmax(x, 2), Catch::Contains("softmax"));
  REQUIRE_THROWS_AS(log_softmax(x, -3), ValueError);
  REQUIRE_THROWS_WITH(log_softmax(x, -3), Catch::Contains("log_softmax"));
  REQUIRE_THROWS_AS(softmax(Var<double>(Array<double>(Shape{}, 1.0))), ValueError);
}

TEST_CASE("nn: float32 agrees with float64", "[nn]") {
  const Array<double> xd = random_array({6, 9}, 20, -5, 5);
  const Array<float> xf = xt::cast<float>(xd);
  const Var<double> d(xd);
  const Var<float> f(xf);
  CHECK(all_close(softmax(f).value(), softmax(d).value(), 1e-5));
  CHECK(all_close(softmax(f, 0).value(), softmax(d, 0).value(), 1e-5));
  CHECK(all_close(log_softmax(f).value(), log_softmax(d).value(), 1e-5));
  const IndexArray targets = {0, 8, 3, -100, 4, 4};
  CHECK(std::abs(cross_entropy(f, targets).item() - cross_entropy(d, targets).item()) < 1e-5);
  const Var<double> d2(random_array({6, 9}, 21));
  const Var<float> f2(Array<float>(xt::cast<float>(d2.value())));
  CHECK(std::abs(mse(f, f2).item() - mse(d, d2).item()) < 1e-4);
  std::mt19937_64 rng_f(48), rng_d(48);
  CHECK(
      all_close(dropout(f, 0.4, true, rng_f).value(), dropout(d, 0.4, true, rng_d).value(), 1e-5));

  // Gradients agree too.
  Var<float> lf(xf, true);
  Var<double> ld(xd, true);
  cross_entropy(lf, targets).backward();
  cross_entropy(ld, targets).backward();
  CHECK(all_close(lf.grad(), ld.grad(), 1e-5));
}
