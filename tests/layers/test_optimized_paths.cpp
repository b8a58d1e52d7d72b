// The optimized path (input projected for all steps at once, gate math fused by pointwise)
// against the plain one (one small GEMM per step, one op per function, chunk copies), in float32
// as training runs: losses and gradients agree within the float32 rounding of their sums, 16 ε of
// the sum of each one's terms' absolute values (the plain path records its terms). The plain
// cells below use the built-in cells' own weights, so both paths differentiate into the same
// parameters.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "examples/custom_cell/user_lstm.hpp"
#include "framework/ops/reduce.hpp"
#include "layers/recurrent.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

// Every linear the plain cells run, with its input and its result (whose gradient is kept): the
// terms of each gradient sum, from which the float32 error bound of the comparison is derived.
struct RecordedLinear {
  Var<float> input, output;
  Node<float>* weight;
  Node<float>* bias;
};
std::vector<RecordedLinear>& recorded_linears() {
  static std::vector<RecordedLinear> list;
  return list;
}
Var<float> recorded_linear(const Var<float>& x, const Var<float>& w, const Var<float>& b) {
  Var<float> y = linear(x, w, b);
  y.retain_grad();
  recorded_linears().push_back({x, y, w.node(), b.node()});
  return y;
}

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
  auto g = chunk(recorded_linear(x, cell->weight_ih, cell->bias_ih) +
                     recorded_linear(s[0], cell->weight_hh, cell->bias_hh),
                 4, 1);
  auto c = sigmoid(g[1]) * s[1] + sigmoid(g[0]) * tanh(g[2]);
  return {sigmoid(g[3]) * tanh(c), c};
}
template <>
State<float> Plain<GRUCell<float>>::step(const Var<float>& x, const State<float>& s) const {
  auto a = chunk(recorded_linear(x, cell->weight_ih, cell->bias_ih), 3, 1);
  auto b = chunk(recorded_linear(s[0], cell->weight_hh, cell->bias_hh), 3, 1);
  auto r = sigmoid(a[0] + b[0]);
  auto z = sigmoid(a[1] + b[1]);
  auto n = tanh(a[2] + r * b[2]);
  return {(1.0f - z) * n + z * s[0]};
}
template <>
State<float> Plain<RNNCell<float>>::step(const Var<float>& x, const State<float>& s) const {
  return {tanh(recorded_linear(x, cell->weight_ih, cell->bias_ih) +
               recorded_linear(s[0], cell->weight_hh, cell->bias_hh))};
}

struct Gradients {
  double loss;
  std::vector<Array<float>> parameters;
  Array<float> input;
  // Σ|terms| of each sum above: of w ⊙ output for the loss; of δ·in over the rows of every step
  // for a parameter (δ: the gradient of a linear's result), of δ·W_ih for the input. Only the
  // plain path records them (its linears are the ones in recorded_linears()).
  double loss_magnitude = 0;
  std::vector<Array<double>> parameter_magnitudes;
  Array<double> input_magnitude;
};

// The magnitudes of g's gradient sums, from the linears recorded by the plain cells.
void add_magnitudes(Gradients& g, const std::vector<Var<float>>& parameters) {
  for (const auto& p : parameters) g.parameter_magnitudes.push_back(xt::zeros<double>(p.shape()));
  g.input_magnitude = xt::zeros<double>(g.input.shape());
  auto magnitude_of = [&](Node<float>* n) -> Array<double>& {
    for (std::size_t i = 0; i < parameters.size(); ++i)
      if (parameters[i].node() == n) return g.parameter_magnitudes[i];
    throw std::logic_error("a recorded linear's weight is not a parameter");
  };
  const Array<float>& w_ih0 = parameters[0].value();  // layer 0's W_ih [G·H, F]
  std::size_t t = 0;                                  // the step of layer 0's next projection
  for (const auto& r : recorded_linears()) {
    const Array<float>& d = r.output.grad();   // δ [B, G·H]
    const Array<float>& in = r.input.value();  // [B, F] or [B, H]
    Array<double>& sw = magnitude_of(r.weight);
    Array<double>& sb = magnitude_of(r.bias);
    const bool projects_input = r.weight == parameters[0].node();
    for (std::size_t b = 0; b < d.shape()[0]; ++b)
      for (std::size_t j = 0; j < d.shape()[1]; ++j) {
        const double dj = std::abs(d(b, j));
        sb(j) += dj;
        for (std::size_t k = 0; k < in.shape()[1]; ++k) {
          sw(j, k) += dj * std::abs(in(b, k));
          if (projects_input) g.input_magnitude(b, t, k) += dj * std::abs(w_ih0(j, k));
        }
      }
    t += projects_input;
  }
  recorded_linears().clear();
}

// loss = Σ w ⊙ output of a 2-layer stack over x; the gradients of every parameter and of x.
template <class Layer>
Gradients run(Layer& layer, const std::vector<Var<float>>& parameters, const Array<float>& x0) {
  for (auto p : parameters) p.zero_grad();
  recorded_linears().clear();
  Var<float> x(x0, true);
  auto out = layer.forward(x).output;
  Var<float> w(xt::cast<float>(random_array(out.shape(), 99)));
  auto loss = sum(out * w);
  loss.backward();
  Gradients g;
  g.loss = loss.item();
  g.input = x.grad();
  for (const auto& p : parameters) g.parameters.push_back(p.grad());
  for (std::size_t i = 0; i < out.size(); ++i)
    g.loss_magnitude += std::abs(double(out.value().data()[i]) * w.value().data()[i]);
  if (!recorded_linears().empty()) add_magnitudes(g, parameters);
  tape<float>().reset();
  return g;
}

// Both paths compute the same sums in different orders (blocks of steps, fused or split GEMMs),
// each within a few float32 ε of the sum of its terms' absolute values: |a − b| ≤
// kUnits·ε·Σ|terms|.
constexpr double kUnits = 16;
void check_within_rounding(const Array<float>& a, const Array<float>& b,
                           const Array<double>& magnitude) {
  REQUIRE(a.shape() == b.shape());
  const double eps = std::numeric_limits<float>::epsilon();
  double worst = 0;  // |a − b| / (ε·Σ|terms|); a difference where Σ|terms| = 0 is infinite
  std::size_t at = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double error = std::abs(double(a.data()[i]) - b.data()[i]);
    const double ratio = error / (eps * magnitude.data()[i]);
    if (error > 0 && !(ratio <= worst)) worst = ratio, at = i;
  }
  INFO("worst element " << at << ": " << a.data()[at] << " vs " << b.data()[at] << ", " << worst
                        << " ε of Σ|terms| " << magnitude.data()[at]);
  CHECK(worst <= kUnits);
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
  const double eps = std::numeric_limits<float>::epsilon();
  CHECK(std::abs(fast.loss - slow.loss) <= kUnits * eps * slow.loss_magnitude);
  check_within_rounding(fast.input, slow.input, slow.input_magnitude);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    INFO("parameter " << i);
    check_within_rounding(fast.parameters[i], slow.parameters[i], slow.parameter_magnitudes[i]);
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
