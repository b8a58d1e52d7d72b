// The optimized path (input projected for all steps at once, gate math fused by pointwise)
// against the plain one (one small GEMM per step, one op per function, chunk copies), in float32
// as training runs: losses and gradients agree within 1e-5. The plain cells below use the
// built-in cells' own weights, so both paths differentiate into the same parameters.
#include <catch2/catch.hpp>

#include "examples/custom_cell/user_lstm.hpp"
#include "framework/ops/reduce.hpp"
#include "layers/recurrent.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

// A plain cell computing `Cell`'s function with `Cell`'s weights, step by step, op by op.
template <class Cell>
struct Plain : Module<float> {
  using value_type = float;
  const Cell* cell;
  explicit Plain(const Cell* c) : cell(c) {}
  std::size_t input_size() const { return cell->input_size(); }
  std::size_t hidden_size() const { return cell->hidden_size(); }
  State<float> initial_state(std::size_t batch) const { return cell->initial_state(batch); }
  State<float> step(const Var<float>& x, const State<float>& s) const;
};

template <>
State<float> Plain<LSTMCell<float>>::step(const Var<float>& x, const State<float>& s) const {
  auto g = chunk(
      linear(x, cell->weight_ih, cell->bias_ih) + linear(s[0], cell->weight_hh, cell->bias_hh), 4,
      1);
  auto c = sigmoid(g[1]) * s[1] + sigmoid(g[0]) * tanh(g[2]);
  return {sigmoid(g[3]) * tanh(c), c};
}
template <>
State<float> Plain<GRUCell<float>>::step(const Var<float>& x, const State<float>& s) const {
  auto a = chunk(linear(x, cell->weight_ih, cell->bias_ih), 3, 1);
  auto b = chunk(linear(s[0], cell->weight_hh, cell->bias_hh), 3, 1);
  auto r = sigmoid(a[0] + b[0]);
  auto z = sigmoid(a[1] + b[1]);
  auto n = tanh(a[2] + r * b[2]);
  return {(1.0f - z) * n + z * s[0]};
}
template <>
State<float> Plain<RNNCell<float>>::step(const Var<float>& x, const State<float>& s) const {
  return {tanh(linear(x, cell->weight_ih, cell->bias_ih) +
               linear(s[0], cell->weight_hh, cell->bias_hh))};
}

struct Gradients {
  double loss;
  std::vector<Array<float>> parameters;
  Array<float> input;
};

// loss = Σ w ⊙ output of a 2-layer stack over x; the gradients of every parameter and of x.
template <class Layer>
Gradients run(Layer& layer, const std::vector<Var<float>>& parameters, const Array<float>& x0) {
  for (auto p : parameters) p.zero_grad();
  Var<float> x(x0, true);
  auto out = layer.forward(x).output;
  Var<float> w(xt::cast<float>(random_array(out.shape(), 99)));
  auto loss = sum(out * w);
  loss.backward();
  Gradients g{loss.item(), {}, x.grad()};
  for (const auto& p : parameters) g.parameters.push_back(p.grad());
  tape<float>().reset();
  return g;
}

template <class Cell>
void check_paths_agree(std::size_t hidden, std::size_t batch = 4, std::size_t steps = 9) {
  auto options = RecurrentOptions(5, hidden).layers(2).seed(11);
  Recurrent<Cell> optimized(options);
  std::size_t next = 0;
  Recurrent<Plain<Cell>> plain(options, "Plain", [&](const RecurrentOptions&) {
    return std::make_shared<Plain<Cell>>(&optimized.cell(next++));
  });
  const auto parameters = optimized.parameters();
  const Array<float> x = xt::cast<float>(random_array({batch, steps, 5}, 12));
  const auto fast = run(optimized, parameters, x);
  const auto slow = run(plain, parameters, x);
  CHECK(std::abs(fast.loss - slow.loss) <= 1e-5 * std::max(1.0, std::abs(slow.loss)));
  CHECK(all_close(fast.input, slow.input, 1e-5));
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    INFO("parameter " << i);
    CHECK(all_close(fast.parameters[i], slow.parameters[i], 1e-5));
  }
}

}  // namespace

// Hidden 7 runs pointwise's scalar tail only; 40 its vector body (16 floats) and tail.
TEST_CASE("LSTM: optimized and plain paths agree within 1e-5", "[optimized]") {
  check_paths_agree<LSTMCell<float>>(7);
  check_paths_agree<LSTMCell<float>>(40);
}
TEST_CASE("GRU: optimized and plain paths agree within 1e-5", "[optimized]") {
  check_paths_agree<GRUCell<float>>(7);
  check_paths_agree<GRUCell<float>>(40);
}
TEST_CASE("RNN: optimized and plain paths agree within 1e-5", "[optimized]") {
  check_paths_agree<RNNCell<float>>(7);
  check_paths_agree<RNNCell<float>>(40);
}
// At batch 50 a projection covers ⌈256 / 50⌉ = 6 steps: 15 steps run as blocks of 6, 6 and 3.
TEST_CASE("projection in blocks of steps: optimized and plain paths agree", "[optimized]") {
  check_paths_agree<LSTMCell<float>>(24, 50, 15);
  check_paths_agree<GRUCell<float>>(24, 50, 15);
  check_paths_agree<RNNCell<float>>(24, 50, 15);
}

TEST_CASE("the user-written LSTM of examples/custom_cell equals the built-in one", "[optimized]") {
  auto options = RecurrentOptions(5, 24).layers(2).seed(13);
  LSTM<float> builtin(options);
  Recurrent<UserLSTMCell<float>> user(options, "UserLSTM");
  for (std::size_t l = 0; l < 2; ++l) {  // the same weights in the user's layout
    const auto& b = builtin.cell(l);
    const std::string suffix = "_l" + std::to_string(l);
    user.parameter("w_x" + suffix).mutable_value() = b.weight_ih.value();
    user.parameter("w_h" + suffix).mutable_value() = b.weight_hh.value();
    user.parameter("bias" + suffix).mutable_value() = b.bias_ih.value() + b.bias_hh.value();
  }
  const Array<float> x = xt::cast<float>(random_array({3, 6, 5}, 14));
  const auto a = run(builtin, builtin.parameters(), x);
  const auto b = run(user, user.parameters(), x);
  CHECK(std::abs(a.loss - b.loss) <= 1e-5 * std::max(1.0, std::abs(a.loss)));
  CHECK(all_close(a.input, b.input, 1e-5));
  // Per layer: builtin (W_ih, W_hh, b_ih, b_hh), user (w_x, w_h, bias).
  for (std::size_t l = 0; l < 2; ++l) {
    CHECK(all_close(a.parameters[4 * l], b.parameters[3 * l], 1e-5));
    CHECK(all_close(a.parameters[4 * l + 1], b.parameters[3 * l + 1], 1e-5));
    CHECK(all_close(a.parameters[4 * l + 2], b.parameters[3 * l + 2], 1e-5));
    CHECK(all_close(a.parameters[4 * l + 3], b.parameters[3 * l + 2], 1e-5));
  }
}

TEST_CASE("gradcheck: the user-written LSTM cell", "[optimized][gradcheck]") {
  UserLSTMCell<double> cell(RecurrentOptions(3, 4).seed(15));
  REQUIRE_GRADCHECK(
      [&](const std::vector<Var<double>>& v) {
        State<double> s{v[1], v[2]};
        s = cell.step(v[0], s);
        s = cell.step(v[0] * 0.5, s);
        return concat({s[0], s[1]}, 1);
      },
      {random_array({2, 3}, 16), random_array({2, 4}, 17), random_array({2, 4}, 18)},
      cell.parameters());
}
