// Modules: hierarchical names, parameter bookkeeping, train/eval, initializers, and the simple
// layers (Linear, Embedding, Dropout, LayerNorm).
#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "framework/unroll.hpp"
#include "layers/dropout.hpp"
#include "layers/embedding.hpp"
#include "layers/layer_norm.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

// A model with children, as a user writes one.
struct TinyModel : Module<double> {
  std::shared_ptr<Embedding<double>> embed;
  std::shared_ptr<LSTM<double>> rnn;
  std::shared_ptr<Linear<double>> head;
  std::shared_ptr<Dropout<double>> drop;
  TinyModel() {
    embed = register_module("embed", std::make_shared<Embedding<double>>(10, 3));
    rnn = register_module("rnn", std::make_shared<LSTM<double>>(LSTMOptions(3, 4).layers(2)));
    head = register_module("head", std::make_shared<Linear<double>>(4, 10));
    drop = register_module("drop", std::make_shared<Dropout<double>>(0.5));
  }
};

std::vector<std::string> names_of(const Module<double>& m) {
  std::vector<std::string> names;
  for (auto& [name, p] : m.named_parameters()) names.push_back(name);
  return names;
}

}  // namespace

TEST_CASE("named parameters are hierarchical and PyTorch-named", "[module]") {
  TinyModel model;
  CHECK(names_of(model) == std::vector<std::string>{"embed.weight", "rnn.weight_ih_l0",
                                                    "rnn.weight_hh_l0", "rnn.bias_ih_l0",
                                                    "rnn.bias_hh_l0", "rnn.weight_ih_l1",
                                                    "rnn.weight_hh_l1", "rnn.bias_ih_l1",
                                                    "rnn.bias_hh_l1", "head.weight", "head.bias"});
  // 10·3 + (16·3 + 16·4 + 16 + 16) + (16·4 + 16·4 + 16 + 16) + 4·10 + 10
  CHECK(model.parameter_count() == 30 + 144 + 160 + 50);
  CHECK(model.parameter("rnn.weight_hh_l1").shape() == Shape{16, 4});
  CHECK_THROWS_WITH(model.parameter("rnn.weight"), Catch::Contains("known: embed.weight"));
}

TEST_CASE("a parameter in the registry is the module's member", "[module]") {
  Linear<double> layer(2, 3);
  layer.parameter("weight").mutable_value().fill(7.0);
  CHECK(layer.weight.value()(1, 1) == 7.0);
}

TEST_CASE("zero_grad clears every gradient, train/eval reaches every child", "[module]") {
  TinyModel model;
  IndexArray ids = IndexArray::from_shape({2, 3});
  ids.fill(1);
  auto out = model.head->forward(model.rnn->forward(model.embed->forward(ids)).output);
  sum(out).backward();
  for (auto& p : model.parameters()) CHECK(p.has_grad());
  model.zero_grad();
  for (auto& p : model.parameters()) CHECK_FALSE(p.has_grad());
  CHECK(model.drop->is_training());
  model.eval();
  CHECK_FALSE(model.drop->is_training());
  CHECK_FALSE(model.rnn->is_training());
  Var<double> x(random_array({4, 4}, 1));
  CHECK(all_close(model.drop->forward(x).value(), x.value()));
  model.train();
  CHECK(model.head->is_training());
  tape<double>().reset();
}

TEST_CASE("registering a name twice is an error", "[module][errors]") {
  struct Twice : Module<double> {
    Twice() {
      register_parameter("w", Array<double>::from_shape({1}));
      register_parameter("w", Array<double>::from_shape({1}));
    }
  };
  CHECK_THROWS_AS(Twice(), ValueError);
}

TEST_CASE("initializers: seeded, bounded, orthogonal, identity", "[module][init]") {
  Rng a(5), b(5);
  CHECK(all_close(uniform<double>({3, 4}, 0.1, a), uniform<double>({3, 4}, 0.1, b)));
  Rng rng(6);
  const auto u = uniform<double>({50, 50}, 0.2, rng);
  CHECK(xt::amax(xt::abs(u))() <= 0.2);
  CHECK(xt::amax(xt::abs(u))() > 0.19);
  const auto xavier = xavier_uniform<double>({30, 10}, rng);
  CHECK(xt::amax(xt::abs(xavier))() <= std::sqrt(6.0 / 40.0));
  // Orthonormal columns of a tall matrix, rows of a wide one: QᵀQ = I or QQᵀ = I.
  Var<double> tall(orthogonal<double>({12, 4}, rng)), wide(orthogonal<double>({4, 12}, rng));
  CHECK(all_close(matmul(transpose(tall), tall).value(), xt::eye<double>(4), 1e-12));
  CHECK(all_close(matmul(wide, transpose(wide)).value(), xt::eye<double>(4), 1e-12));
  const auto identity = stacked_identity<double>({6, 3});
  CHECK(
      all_close(Array<double>(xt::view(identity, xt::range(3, 6), xt::all())), xt::eye<double>(3)));
  LSTM<double> irnn_like(LSTMOptions(2, 3).recurrent_init(RecurrentInit::Identity));
  CHECK(all_close(irnn_like.parameter("weight_hh_l0").value(), stacked_identity<double>({12, 3})));
  CHECK_THROWS_AS(orthogonal<double>({3}, rng), ShapeError);
  CHECK_THROWS_AS(stacked_identity<double>({5, 3}), ShapeError);
}

TEST_CASE("Linear: x·Wᵀ + b with PyTorch's default bounds", "[module][layers]") {
  Linear<double> layer(4, 3, 1);
  CHECK(layer.weight.shape() == Shape{3, 4});
  CHECK(xt::amax(xt::abs(layer.weight.value()))() <= 0.5);  // 1/√4
  layer.weight.mutable_value() = Array<double>{{1, 0, 0, 0}, {0, 1, 0, 0}, {1, 1, 1, 1}};
  layer.bias.mutable_value() = Array<double>{0.5, 0, -1};
  CHECK(all_close(layer.forward(Var<double>(Array<double>{{1, 2, 3, 4}})).value(),
                  Array<double>{{1.5, 2, 9}}));
  Linear<double> no_bias(4, 3, 1, false);
  CHECK(no_bias.parameters().size() == 1);
  CHECK_THROWS_AS(Linear<double>(0, 3), ValueError);
}

TEST_CASE("Embedding looks rows up, LayerNorm normalizes the last axis", "[module][layers]") {
  Embedding<double> embed(5, 2, 3);
  IndexArray ids = {4, 0};
  const auto rows = embed.forward(ids).value();
  CHECK(rows(0, 1) == embed.weight.value()(4, 1));
  CHECK(rows(1, 0) == embed.weight.value()(0, 0));
  CHECK_THROWS_AS(embed.forward(IndexArray{5}), IndexError);

  LayerNorm<double> norm(4);
  const auto y = norm.forward(Var<double>(Array<double>{{1, 2, 3, 4}})).value();
  const double sd = std::sqrt(1.25 + 1e-5);
  CHECK(all_close(y, Array<double>{{-1.5 / sd, -0.5 / sd, 0.5 / sd, 1.5 / sd}}, 1e-12));
  REQUIRE_GRADCHECK([&](const std::vector<Var<double>>& v) { return norm.forward(v[0]); },
                    {random_array({3, 4}, 2)}, norm.parameters());
  CHECK_THROWS_AS(norm.forward(Var<double>(random_array({3, 5}, 3))), ShapeError);
  tape<double>().reset();
}
