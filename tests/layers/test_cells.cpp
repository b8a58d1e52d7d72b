// Each cell — built-in and user-defined — passes a float64 gradient check through two time steps
// (so the recurrent weights fan out), with respect to its input, its state and every parameter.
#include <catch2/catch.hpp>

#include "examples/custom_cell/peephole_lstm.hpp"
#include "layers/recurrent.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::random_array;

namespace {

using Vars = std::vector<Var<double>>;

// Two steps of `cell` from inputs {x0, x1, state parts...}; returns every part of the last state
// side by side, so each one's gradient is checked.
template <class Cell>
GradcheckFn two_steps(const Cell& cell) {
  return [&cell](const Vars& v) {
    State<double> state(v.begin() + 2, v.end());
    state = cell.step(v[0], state);
    state = cell.step(v[1], state);
    return concat(std::vector<Var<double>>(state.begin(), state.end()), 1);
  };
}

template <class Cell>
void check_cell(const Cell& cell, std::size_t parts) {
  std::vector<Array<double>> inputs{random_array({3, 5}, 1), random_array({3, 5}, 2)};
  for (std::size_t i = 0; i < parts; ++i) inputs.push_back(random_array({3, 4}, 3 + i, -0.5, 0.5));
  REQUIRE_GRADCHECK(two_steps(cell), inputs, cell.parameters());
}

}  // namespace

TEST_CASE("gradcheck: RNN cell, tanh and relu", "[cells][gradcheck]") {
  check_cell(RNNCell<double>(RecurrentOptions(5, 4).seed(3)), 1);
  check_cell(RNNCell<double>(RecurrentOptions(5, 4).seed(4).nonlinearity(Nonlinearity::Relu)), 1);
}

TEST_CASE("gradcheck: LSTM cell", "[cells][gradcheck]") {
  check_cell(LSTMCell<double>(RecurrentOptions(5, 4).seed(5)), 2);
}

TEST_CASE("gradcheck: GRU cell", "[cells][gradcheck]") {
  check_cell(GRUCell<double>(RecurrentOptions(5, 4).seed(6)), 1);
}

TEST_CASE("gradcheck: a user-defined cell (peephole LSTM)", "[cells][gradcheck]") {
  static_assert(RecurrentCell<PeepholeLSTMCell<double>>);
  check_cell(PeepholeLSTMCell<double>(RecurrentOptions(5, 4).seed(7)), 2);
}

TEST_CASE("cells have PyTorch's parameter names and shapes", "[cells]") {
  LSTMCell<float> lstm(RecurrentOptions(5, 4));
  GRUCell<float> gru(RecurrentOptions(5, 4));
  RNNCell<float> rnn(RecurrentOptions(5, 4));
  CHECK(lstm.weight_ih.shape() == Shape{16, 5});
  CHECK(lstm.weight_hh.shape() == Shape{16, 4});
  CHECK(gru.weight_ih.shape() == Shape{12, 5});
  CHECK(rnn.bias_hh.shape() == Shape{4});
  std::vector<std::string> names;
  for (auto& [name, p] : lstm.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"});
}

TEST_CASE("LSTM forget bias is added to the forget-gate block of bias_ih", "[cells]") {
  LSTMCell<double> plain(RecurrentOptions(3, 2).seed(9));
  LSTMCell<double> biased(RecurrentOptions(3, 2).seed(9).forget_bias(1.0));
  const auto& a = plain.bias_ih.value();
  const auto& b = biased.bias_ih.value();
  for (std::size_t r = 0; r < 8; ++r) CHECK(b(r) == Approx(a(r) + (r >= 2 && r < 4 ? 1.0 : 0.0)));
}

TEST_CASE("cell errors name the cell and the shapes", "[cells][errors]") {
  LSTMCell<double> cell(RecurrentOptions(5, 4));
  Var<double> x(Array<double>::from_shape({3, 6}));
  CHECK_THROWS_AS(cell.step(x, cell.initial_state(3)), ShapeError);
  CHECK_THROWS_WITH(cell.step(x, cell.initial_state(3)), Catch::Contains("LSTMCell") &&
                                                             Catch::Contains("[3,6]") &&
                                                             Catch::Contains("[B, 5]"));
  Var<double> good(Array<double>::from_shape({3, 5}));
  CHECK_THROWS_WITH(cell.step(good, cell.initial_state(2)),
                    Catch::Contains("state part 0 is [2,4]"));
  CHECK_THROWS_AS(cell.step(good, {cell.initial_state(3)[0]}), ShapeError);
  CHECK_THROWS_AS(LSTMCell<double>(RecurrentOptions(0, 4)), ValueError);
  CHECK_THROWS_AS(GRUCell<double>(RecurrentOptions(3, 0)), ValueError);
}
