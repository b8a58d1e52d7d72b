// The recurrent layers against PyTorch: outputs, final states and every gradient of a scalar loss,
// for RNN (tanh, relu), LSTM and GRU, 1 and 2 layers, with and without an initial state, and a
// batch of variable lengths; bidirectional RNN, LSTM and GRU, 1 and 2 layers, equal and variable
// lengths. float64 within 1e-10, float32 within 1e-5.
#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "framework/ops/reduce.hpp"
#include "layers/recurrent.hpp"
#include "tests/fixtures.hpp"
#include "tests/support.hpp"

using namespace unroll;
using nlohmann::json;
using unroll::testing::all_close;
using unroll::testing::fixture_tensor;

namespace {

// Layer l's slice [B, H] of a fixture state [L, B, H].
template <class T>
Array<T> layer_slice(const json& j, std::size_t l) {
  Array<T> all = fixture_tensor<T>(j);
  return xt::view(all, l, xt::all(), xt::all());
}

template <class Layer>
void check_layer(const json& f, const RecurrentOptions& options) {
  using T = typename Layer::T;
  const double tol = std::is_same_v<T, double> ? 1e-10 : 1e-5;
  tape<T>().reset();
  Layer layer(options);
  for (auto& [name, p] : layer.named_parameters()) {
    INFO("parameter " << name);
    const Array<T> value = fixture_tensor<T>(f["parameters"].at(name));
    REQUIRE(value.shape() == p.shape());
    p.mutable_value() = value;
  }
  REQUIRE(layer.named_parameters().size() == f["parameters"].size());

  Var<T> x(fixture_tensor<T>(f["input"]), true);
  const bool lstm = f["cell"] == "lstm";
  const std::size_t states = f["layers"].get<std::size_t>() * (options.bidirectional() ? 2 : 1);
  StateList<T> initial;
  if (f["has_initial_state"]) {
    for (std::size_t l = 0; l < states; ++l) {
      State<T> s{Var<T>(layer_slice<T>(f["h0"], l), true)};
      if (lstm) s.emplace_back(layer_slice<T>(f["c0"], l), true);
      initial.push_back(s);
    }
  }
  std::vector<std::size_t> lengths;
  if (f.contains("lengths")) lengths = f["lengths"].get<std::vector<std::size_t>>();

  auto result = layer.forward(x, initial, lengths);
  CHECK(all_close(result.output.value(), fixture_tensor<T>(f["output"]), tol));
  std::vector<Var<T>> h_n, c_n;
  for (auto& s : result.final_states) {
    h_n.push_back(s[0]);
    if (lstm) c_n.push_back(s[1]);
  }
  CHECK(all_close(stack(h_n, 0).value(), fixture_tensor<T>(f["h_n"]), tol));
  if (lstm) CHECK(all_close(stack(c_n, 0).value(), fixture_tensor<T>(f["c_n"]), tol));

  const auto& w = f["loss_weights"];
  Var<T> loss = sum(result.output * Var<T>(fixture_tensor<T>(w["output"]))) +
                sum(stack(h_n, 0) * Var<T>(fixture_tensor<T>(w["h_n"])));
  if (lstm) loss = loss + sum(stack(c_n, 0) * Var<T>(fixture_tensor<T>(w["c_n"])));
  CHECK(loss.item() == Approx(f["loss"].get<double>()).epsilon(tol));
  loss.backward();

  for (auto& [name, p] : layer.named_parameters()) {
    INFO("gradient of " << name);
    CHECK(all_close(p.grad(), fixture_tensor<T>(f["grad"]["parameters"].at(name)), tol));
  }
  CHECK(all_close(x.grad(), fixture_tensor<T>(f["grad"]["input"]), tol));
  for (std::size_t l = 0; l < initial.size(); ++l) {
    INFO("gradient of the initial state of layer " << l);
    CHECK(all_close(initial[l][0].grad(), layer_slice<T>(f["grad"]["h0"], l), tol));
    if (lstm) CHECK(all_close(initial[l][1].grad(), layer_slice<T>(f["grad"]["c0"], l), tol));
  }
  tape<T>().reset();
}

template <class T>
void check_fixture(const std::string& file) {
  INFO("fixture " << file << (std::is_same_v<T, double> ? " (float64)" : " (float32)"));
  const json f = unroll::testing::load_fixture("rnn/" + file);
  auto options = RecurrentOptions(f["input_size"], f["hidden"])
                     .layers(f["layers"])
                     .bidirectional(f.value("bidirectional", false));
  const std::string cell = f["cell"];
  if (cell == "lstm") return check_layer<LSTM<T>>(f, options);
  if (cell == "gru") return check_layer<GRU<T>>(f, options);
  options.nonlinearity(f["nonlinearity"] == "relu" ? Nonlinearity::Relu : Nonlinearity::Tanh);
  check_layer<RNN<T>>(f, options);
}

const std::vector<std::string> kFixtures = {"rnn_tanh_l1_init.json",
                                            "rnn_tanh_l1_noinit.json",
                                            "rnn_tanh_l2_init.json",
                                            "rnn_tanh_l2_noinit.json",
                                            "rnn_relu_l1_init.json",
                                            "rnn_relu_l1_noinit.json",
                                            "rnn_relu_l2_init.json",
                                            "rnn_relu_l2_noinit.json",
                                            "lstm_l1_init.json",
                                            "lstm_l1_noinit.json",
                                            "lstm_l2_init.json",
                                            "lstm_l2_noinit.json",
                                            "gru_l1_init.json",
                                            "gru_l1_noinit.json",
                                            "gru_l2_init.json",
                                            "gru_l2_noinit.json",
                                            "lstm_l1_lengths.json",
                                            "bi_rnn_tanh_l1_init.json",
                                            "bi_rnn_tanh_l1_lengths.json",
                                            "bi_rnn_tanh_l2_init.json",
                                            "bi_rnn_tanh_l2_lengths.json",
                                            "bi_lstm_l1_init.json",
                                            "bi_lstm_l1_lengths.json",
                                            "bi_lstm_l2_init.json",
                                            "bi_lstm_l2_lengths.json",
                                            "bi_gru_l1_init.json",
                                            "bi_gru_l1_lengths.json",
                                            "bi_gru_l2_init.json",
                                            "bi_gru_l2_lengths.json"};

}  // namespace

TEST_CASE("recurrent layers match PyTorch in float64", "[pytorch][recurrent]") {
  for (const auto& file : kFixtures) check_fixture<double>(file);
}

TEST_CASE("recurrent layers match PyTorch in float32", "[pytorch][recurrent]") {
  for (const auto& file : kFixtures) check_fixture<float>(file);
}
