// Attention against PyTorch (the three scores, values and gradients, with source lengths), float64
// gradchecks, one decoder step against all steps at once, and the errors.
#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/reduce.hpp"
#include "framework/ops/shape.hpp"
#include "layers/attention.hpp"
#include "tests/fixtures.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::fixture_tensor;
using unroll::testing::random_array;

namespace {

using Vars = std::vector<Var<double>>;

AttentionScore score_of(const std::string& name) {
  if (name == "dot") return AttentionScore::Dot;
  if (name == "general") return AttentionScore::General;
  return AttentionScore::Additive;
}

template <class T>
void check_fixture(const std::string& name) {
  INFO(name << (std::is_same_v<T, double> ? " (float64)" : " (float32)"));
  const double tol = std::is_same_v<T, double> ? 1e-10 : 1e-5;
  const auto f = unroll::testing::load_fixture("attention/" + name + ".json");
  Attention<T> attention(AttentionOptions(f["query_size"], f["key_size"])
                             .score(score_of(f["score"]))
                             .attention_size(f["attention_size"]));
  REQUIRE(attention.named_parameters().size() == f["parameters"].size());
  for (auto& [pname, p] : attention.named_parameters()) {
    INFO("parameter " << pname);
    const Array<T> value = fixture_tensor<T>(f["parameters"].at(pname));
    REQUIRE(value.shape() == p.shape());
    p.mutable_value() = value;
  }
  Var<T> keys(fixture_tensor<T>(f["keys"]), true), query(fixture_tensor<T>(f["query"]), true);
  const auto lengths = f["lengths"].get<std::vector<std::size_t>>();
  auto out = attention.forward(query, keys, lengths);
  CHECK(all_close(out.context.value(), fixture_tensor<T>(f["context"]), tol));
  CHECK(all_close(out.weights.value(), fixture_tensor<T>(f["weights"]), tol));
  Var<T> loss = sum(out.context * Var<T>(fixture_tensor<T>(f["loss_weights"]["context"]))) +
                sum(out.weights * Var<T>(fixture_tensor<T>(f["loss_weights"]["weights"])));
  CHECK(loss.item() == Approx(f["loss"].get<double>()).epsilon(tol));
  loss.backward();
  for (auto& [pname, p] : attention.named_parameters()) {
    INFO("gradient of " << pname);
    CHECK(all_close(p.grad(), fixture_tensor<T>(f["grad"]["parameters"].at(pname)), tol));
  }
  CHECK(all_close(keys.grad(), fixture_tensor<T>(f["grad"]["keys"]), tol));
  CHECK(all_close(query.grad(), fixture_tensor<T>(f["grad"]["query"]), tol));
  tape<T>().reset();
}

}  // namespace

TEST_CASE("attention matches PyTorch: dot, general, additive", "[attention][pytorch]") {
  for (const std::string name : {"dot", "general", "additive"}) {
    check_fixture<double>(name);
    check_fixture<float>(name);
  }
}

TEST_CASE("gradcheck: every attention score with padded sources", "[attention][gradcheck]") {
  for (const auto score :
       {AttentionScore::Dot, AttentionScore::General, AttentionScore::Additive}) {
    INFO("score " << static_cast<int>(score));
    Attention<double> attention(AttentionOptions(3, 3).score(score).attention_size(4).seed(5));
    REQUIRE_GRADCHECK(
        [&](const Vars& v) {
          auto out = attention.forward(v[0], v[1], {4, 2});
          return concat({reshape(out.context, {2, -1}), reshape(out.weights, {2, -1})}, 1);
        },
        {random_array({2, 3, 3}, 6), random_array({2, 4, 3}, 7)}, attention.parameters());
  }
}

TEST_CASE("one decoder step attends as that row of all steps at once", "[attention]") {
  Attention<double> attention(AttentionOptions(4, 5).score(AttentionScore::Additive).seed(8));
  const Var<double> keys(random_array({2, 6, 5}, 9));
  const Array<double> queries = random_array({2, 3, 4}, 10);
  NoGrad no_grad;
  const auto all = attention.forward(Var<double>(queries), keys, {6, 3});
  for (std::size_t t = 0; t < 3; ++t) {
    const auto one = attention.forward(
        Var<double>(Array<double>(xt::view(queries, xt::all(), t, xt::all()))), keys, {6, 3});
    REQUIRE(one.context.shape() == Shape{2, 5});
    CHECK(all_close(one.context.value(),
                    Array<double>(xt::view(all.context.value(), xt::all(), t, xt::all())), 1e-14));
    CHECK(all_close(one.weights.value(),
                    Array<double>(xt::view(all.weights.value(), xt::all(), t, xt::all())), 1e-14));
    // Padded sources of row 1 get exactly zero weight; every row sums to 1.
    for (std::size_t j = 3; j < 6; ++j) CHECK(one.weights.value()(1, j) == 0.0);
    CHECK(xt::sum(xt::view(one.weights.value(), 1))() == Approx(1.0).epsilon(1e-14));
  }
}

TEST_CASE("attention errors name the score and the shapes", "[attention][errors]") {
  CHECK_THROWS_WITH(Attention<float>(AttentionOptions(4, 5).score(AttentionScore::Dot)),
                    Catch::Contains("the query width 4 must equal the key width 5"));
  CHECK_THROWS_AS(Attention<float>(AttentionOptions(0, 5)), ValueError);
  Attention<float> general(AttentionOptions(4, 5));
  const Var<float> keys(Array<float>(xt::zeros<float>({2, 6, 5})));
  CHECK_THROWS_WITH(general.forward(Var<float>(Array<float>(xt::zeros<float>({2, 3}))), keys),
                    Catch::Contains("Attention (general): query [2,3]: expected [2, 4] or "
                                    "[2, T, 4] beside keys [2,6,5]"));
  CHECK_THROWS_WITH(general.forward(Var<float>(Array<float>(xt::zeros<float>({3, 4}))), keys),
                    Catch::Contains("query [3,4]"));
  CHECK_THROWS_WITH(general.forward(Var<float>(Array<float>(xt::zeros<float>({2, 4}))),
                                    Var<float>(Array<float>(xt::zeros<float>({2, 6, 4})))),
                    Catch::Contains("keys [2,6,4]: expected [B, S, 5]"));
  const Var<float> q(Array<float>(xt::zeros<float>({2, 4})));
  CHECK_THROWS_WITH(general.forward(q, keys, {6, 0}),
                    Catch::Contains("length 0 of row 1 is not in [1, 6]"));
  CHECK_THROWS_WITH(general.forward(q, keys, {7, 1}),
                    Catch::Contains("length 7 of row 0 is not in [1, 6]"));
  CHECK_THROWS_WITH(general.forward(q, keys, {6}), Catch::Contains("1 lengths for a batch of 2"));
}
