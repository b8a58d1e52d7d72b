// Bidirectional layers beyond the PyTorch fixtures: the reverse direction is a forward layer on
// the reversed rows, gradients with residual and skips, padding, names and errors.
#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "framework/ops/sequence.hpp"
#include "layers/recurrent.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {
using Vars = std::vector<Var<double>>;
}

TEST_CASE("the reverse direction is a forward layer over each row reversed within its length",
          "[recurrent][bidirectional]") {
  const std::vector<std::size_t> lengths{5, 3, 1};
  const auto x = random_array({3, 5, 2}, 61);
  LSTM<double> both(LSTMOptions(2, 3).bidirectional(true).seed(62));
  LSTM<double> reverse_only(LSTMOptions(2, 3).seed(62));
  LSTM<double> forward_only(LSTMOptions(2, 3).seed(62));
  // Give the one-direction layers the bidirectional layer's two cells.
  for (auto& [name, p] : reverse_only.named_parameters())
    p.mutable_value() = both.parameter(name + "_reverse").value();
  for (auto& [name, p] : forward_only.named_parameters())
    p.mutable_value() = both.parameter(name).value();
  NoGrad no_grad;
  auto r = both.forward(Var<double>(x), {}, lengths);
  auto f = forward_only.forward(Var<double>(x), {}, lengths);
  auto b = reverse_only.forward(reverse_sequence(Var<double>(x), lengths), {}, lengths);
  const Array<double> back = reverse_sequence(b.output, lengths).value();
  const Array<double>& out = r.output.value();
  REQUIRE(out.shape() == Shape{3, 5, 6});
  CHECK(all_close(Array<double>(xt::view(out, xt::all(), xt::all(), xt::range(0, 3))),
                  f.output.value(), 1e-15));
  CHECK(
      all_close(Array<double>(xt::view(out, xt::all(), xt::all(), xt::range(3, 6))), back, 1e-15));
  // Padded steps are zeros in both halves; states: l0 forward, l0 reverse.
  for (std::size_t t = 1; t < 5; ++t)
    for (std::size_t j = 0; j < 6; ++j) CHECK(out(2, t, j) == 0.0);
  REQUIRE(r.final_states.size() == 2);
  CHECK(all_close(r.final_states[1][0].value(), b.final_states[0][0].value(), 1e-15));
  CHECK(all_close(r.final_states[1][1].value(), b.final_states[0][1].value(), 1e-15));
}

TEST_CASE("gradcheck: a 2-layer bidirectional stack with residual and skip, padded",
          "[recurrent][bidirectional][gradcheck]") {
  // Input width 8 = 2H: every layer is residual.
  GRU<double> layer(
      GRUOptions(8, 4).layers(2).bidirectional(true).residual(true).temporal_skip(2).seed(63));
  REQUIRE_GRADCHECK(
      [&](const Vars& v) {
        auto r = layer.forward(v[0], {}, {4, 2});
        return concat({reshape(r.output, {2, -1}), r.final_states[3][0]}, 1);
      },
      {random_array({2, 4, 8}, 64)}, layer.parameters());
}

TEST_CASE("bidirectional names, widths and errors", "[recurrent][bidirectional][errors]") {
  RNN<float> layer(RNNOptions(3, 4).layers(2).bidirectional(true));
  std::vector<std::string> names;
  for (const auto& [name, p] : layer.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{
                     "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
                     "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse",
                     "bias_hh_l0_reverse", "weight_ih_l1", "weight_hh_l1", "bias_ih_l1",
                     "bias_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse",
                     "bias_ih_l1_reverse", "bias_hh_l1_reverse"});
  CHECK(layer.parameter("weight_ih_l1").shape() == Shape{4, 8});  // layer 1 reads 2H
  CHECK_THROWS_WITH(layer.start(2), Catch::Contains("RNN: a bidirectional layer reads whole "
                                                    "sequences"));
  Var<float> x(Array<float>::from_shape({2, 3, 3}));
  x.mutable_value().fill(0.1f);
  CHECK_THROWS_WITH(layer.forward(x, {layer.cell(0).initial_state(2)}),
                    Catch::Contains("1 initial states given for 2 layers × 2 directions"));
  CHECK_THROWS_WITH(layer.forward(x, {}, {3, 0}),
                    Catch::Contains("RNN: length 0 of row 1 is not in [1, 3]"));
  // Residual needs input width 2H somewhere: a 1-layer bidirectional RNN(4 → 4) has none.
  CHECK_THROWS_WITH(RNN<float>(RNNOptions(4, 4).bidirectional(true).residual(true)),
                    Catch::Contains("equals its output width 8"));
  tape<float>().reset();
}
