#include <catch2/catch.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/recompute.hpp"
#include "framework/ops/reduce.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::testing;

namespace {

// A small recurrent-looking block: two steps of h ← tanh(x·Wᵀ + b + h)·sigmoid(h).
template <class T>
Var<T> block(const std::vector<Var<T>>& in, const Var<T>& w, const Var<T>& b) {
  Var<T> h = in[1];
  for (int step = 0; step < 2; ++step) h = tanh(linear(in[0], w, b) + h) * sigmoid(h);
  return h;
}

}  // namespace

TEST_CASE("gradcheck: recompute, through its inputs and the parameters f uses", "[recompute]") {
  Var<double> w = Var<double>::parameter(random_array({3, 4}, 1));
  Var<double> b = Var<double>::parameter(random_array({3}, 2));
  auto f = [&](const std::vector<Var<double>>& in) {
    return recompute<double>(
        "block", [&](const std::vector<Var<double>>& v) { return block(v, w, b); }, in, {w, b});
  };
  REQUIRE_GRADCHECK(f, {random_array({2, 4}, 3), random_array({2, 3}, 4)}, {w, b});
}

TEST_CASE("recompute gives the gradients of the plain composition and records one node",
          "[recompute]") {
  Var<double> w = Var<double>::parameter(random_array({3, 4}, 1));
  Var<double> b = Var<double>::parameter(random_array({3}, 2));
  const Array<double> x0 = random_array({2, 4}, 3), h0 = random_array({2, 3}, 4);
  auto run = [&](bool recomputed) {
    w.zero_grad(), b.zero_grad();
    Var<double> x(x0, true), h(h0, true);
    const std::size_t before = tape<double>().size();
    auto f = [&](const std::vector<Var<double>>& v) { return block(v, w, b); };
    // Recomputed twice in a row, the second inside the first's function: nesting works.
    Var<double> y = recomputed ? recompute<double>("outer",
                                                   [&](const std::vector<Var<double>>& v) {
                                                     return recompute<double>("inner", f, v);
                                                   },
                                                   {x, h})
                               : f({x, h});
    const std::size_t recorded = tape<double>().size() - before;
    Var<double> loss = sum(y * y);
    loss.backward();
    std::vector<Array<double>> grads{x.grad(), h.grad(), w.grad(), b.grad()};
    tape<double>().reset();
    return std::pair{recorded, grads};
  };
  const auto [plain_nodes, plain] = run(false);
  const auto [recomputed_nodes, recomputed] = run(true);
  CHECK(plain_nodes > 1);
  CHECK(recomputed_nodes == 1);
  for (std::size_t i = 0; i < plain.size(); ++i) {
    INFO("gradient " << i);
    CHECK(all_close(recomputed[i], plain[i], 1e-12));
  }
}

TEST_CASE("recompute: a function that changes between runs is a TapeError", "[recompute][errors]") {
  int calls = 0;
  Var<float> x(Array<float>(xt::ones<float>({2, 3})), true);
  Var<float> y = recompute<float>("unstable",
                                  [&](const std::vector<Var<float>>& v) {
                                    return ++calls == 1 ? v[0] * 2.0f : sum(v[0], 0, true);
                                  },
                                  {x});
  CHECK_THROWS_WITH(sum(y).backward(), Catch::Contains("recompute 'unstable'") &&
                                           Catch::Contains("[1,3]") && Catch::Contains("[2,3]"));
  tape<float>().reset();
}

TEST_CASE("recompute: inputs that need no gradient get none", "[recompute]") {
  Var<float> x(Array<float>(xt::ones<float>({2, 3})), true);
  Var<float> c(Array<float>(xt::ones<float>({2, 3})));
  std::vector<bool> copies_need_grad;  // what f sees on each run: [x, c]
  Var<float> y = recompute<float>("mul",
                                  [&](const std::vector<Var<float>>& v) {
                                    copies_need_grad = {v[0].requires_grad(), v[1].requires_grad()};
                                    return v[0] * v[1];
                                  },
                                  {x, c});
  sum(y).backward();
  CHECK(all_close(x.grad(), Array<float>(xt::ones<float>({2, 3}))));
  // In backward's run, x's copy is a leaf that needs a gradient and c's copy is a constant.
  CHECK(copies_need_grad == std::vector<bool>{true, false});
  CHECK(!c.node()->has_grad);
  tape<float>().reset();
}

TEST_CASE("recompute: parameters get gradients when no input needs one", "[recompute]") {
  Var<float> w = Var<float>::parameter(Array<float>(xt::ones<float>({3, 2})));
  Var<float> x(Array<float>(xt::ones<float>({4, 2})));  // data: no gradient
  auto f = [&](const std::vector<Var<float>>& v) { return linear(v[0], w); };
  Var<float> y = recompute<float>("data_in", f, {x}, {w});
  sum(y).backward();
  REQUIRE(w.node()->has_grad);
  CHECK(all_close(w.grad(), Array<float>(xt::ones<float>({3, 2}) * 4.0f)));  // Σ over 4 rows
  tape<float>().reset();
}

TEST_CASE("recompute: a parameter changed before backward is a TapeError", "[recompute][errors]") {
  Var<float> w = Var<float>::parameter(Array<float>(xt::ones<float>({3, 2})));
  Var<float> x(Array<float>(xt::ones<float>({4, 2})), true);
  Var<float> y = recompute<float>(
      "stale", [&](const std::vector<Var<float>>& v) { return linear(v[0], w); }, {x}, {w});
  w.mutable_value()(0, 0) = 2.0f;
  CHECK_THROWS_WITH(sum(y).backward(), Catch::Contains("'stale'") &&
                                           Catch::Contains("modified after it was recorded"));
  tape<float>().reset();
}

TEST_CASE("recompute: a name built at run time is kept after the string is gone",
          "[recompute][errors]") {
  int calls = 0;
  Var<float> x(Array<float>(xt::ones<float>({2, 3})), true);
  Var<float> y;
  {
    std::string name = "block_" + std::to_string(3) + "_of_layer_1";
    y = recompute<float>(name.c_str(),
                         [&](const std::vector<Var<float>>& v) {
                           return ++calls == 1 ? v[0] * 2.0f : sum(v[0], 0, true);
                         },
                         {x});
    name.assign(name.size(), '#');  // what a freed name's memory may hold next
  }
  CHECK(std::string(y.op()) == "block_3_of_layer_1");
  CHECK_THROWS_WITH(sum(y).backward(), Catch::Contains("recompute 'block_3_of_layer_1'"));
  tape<float>().reset();
}

TEST_CASE("recompute: a function drawing random numbers is a TapeError, not a wrong gradient",
          "[recompute][errors]") {
  std::mt19937_64 rng(5);
  Var<float> x(Array<float>(xt::ones<float>({4, 16})), true);
  Var<float> y = recompute<float>(
      "noisy", [&](const std::vector<Var<float>>& v) { return dropout(v[0], 0.5, true, rng); },
      {x});
  CHECK_THROWS_WITH(sum(y).backward(),
                    Catch::Contains("recompute 'noisy'") && Catch::Contains("different value"));
  tape<float>().reset();
}

TEST_CASE("recompute: one element differing in its last bit is detected", "[recompute][errors]") {
  int calls = 0;
  Array<float> bump = xt::zeros<float>({3, 5});
  bump(2, 4) = std::nextafter(2.0f, 3.0f) - 2.0f;  // one unit in the last place of 2
  Var<float> x(Array<float>(xt::ones<float>({3, 5})), true);
  Var<float> y =
      recompute<float>("bumped",
                       [&](const std::vector<Var<float>>& v) {
                         return ++calls == 1 ? v[0] * 2.0f : v[0] * 2.0f + Var<float>(bump);
                       },
                       {x});
  CHECK_THROWS_WITH(sum(y).backward(), Catch::Contains("recompute 'bumped'"));
  tape<float>().reset();
}
