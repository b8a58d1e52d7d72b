// The stepwise API and the per-step states: stepping T times is forward, for every cell and
// every stacking option; forward's kept states are the graph's, so their gradients are ∂L/∂h_t;
// temporal skips stay bounded whatever the sequence length.
#include <catch2/catch.hpp>
#include <cmath>
#include <xtensor/xview.hpp>

#include "framework/ops/linalg.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/reduce.hpp"
#include "layers/recurrent.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

constexpr std::size_t kBatch = 3, kSteps = 6, kInput = 4, kHidden = 4;

// Everything a run produces that stepping must reproduce: outputs, final states, the loss, and
// the gradients of the input, the initial states and every parameter.
struct Run {
  std::vector<Array<double>> values;
  std::vector<Array<double>> grads;
};

// L = Σ_t Σ y_t ⊙ w_t + Σ_parts Σ final²: touches every output and every final state part.
template <class Layer>
Run run(const RecurrentOptions& options, bool stepwise) {
  Layer layer(options);
  layer.eval();  // dropout off: forward draws per sequence, step per step
  Var<double> x(random_array({kBatch, kSteps, kInput}, 41), true);
  const Array<double> w = random_array({kBatch, kSteps, kHidden}, 42);
  StateList<double> initial;
  std::vector<Var<double>> initial_parts;
  for (std::size_t l = 0; l < options.layers(); ++l) {
    State<double> s = layer.cell(l).initial_state(kBatch);
    for (auto& part : s) {
      part =
          Var<double>(random_array(part.shape(), 50 + static_cast<unsigned>(l), -0.5, 0.5), true);
      initial_parts.push_back(part);
    }
    initial.push_back(s);
  }
  Run r;
  Var<double> loss;
  StateList<double> final_states;
  if (stepwise) {
    StepState<double> state = layer.start(initial);
    for (std::size_t t = 0; t < kSteps; ++t) {
      auto out = layer.step(select(x, 1, t), state);
      state = out.state;
      r.values.push_back(out.output.value());
      Var<double> term = sum(out.output * Var<double>(Array<double>(xt::view(w, xt::all(), t))));
      loss = loss.defined() ? loss + term : term;
    }
    final_states = state.states();
  } else {
    auto out = layer.forward(x, initial);
    for (std::size_t t = 0; t < kSteps; ++t)
      r.values.push_back(Array<double>(xt::view(out.output.value(), xt::all(), t)));
    loss = sum(out.output * Var<double>(w));
    final_states = out.final_states;
  }
  for (const auto& s : final_states)
    for (const auto& part : s) {
      r.values.push_back(part.value());
      loss = loss + sum(part * part);
    }
  loss.backward();
  r.values.push_back(loss.value());
  r.grads.push_back(x.grad());
  for (const auto& p : initial_parts) r.grads.push_back(p.grad());
  for (const auto& p : layer.parameters()) r.grads.push_back(p.grad());
  tape<double>().reset();
  return r;
}

template <class Layer>
void check_steps_agree(const RecurrentOptions& options) {
  const Run whole = run<Layer>(options, false), steps = run<Layer>(options, true);
  REQUIRE(whole.values.size() == steps.values.size());
  REQUIRE(whole.grads.size() == steps.grads.size());
  for (std::size_t i = 0; i < whole.values.size(); ++i) {
    INFO("value " << i << " (outputs per step, final state parts, loss)");
    CHECK(all_close(steps.values[i], whole.values[i], 1e-12));
  }
  for (std::size_t i = 0; i < whole.grads.size(); ++i) {
    INFO("gradient " << i << " (input, initial state parts, parameters)");
    CHECK(all_close(steps.grads[i], whole.grads[i], 1e-12));
  }
}

const std::vector<RecurrentOptions>& stack_variants() {
  static const std::vector<RecurrentOptions> variants = {
      RecurrentOptions(kInput, kHidden).layers(2).seed(3),
      RecurrentOptions(kInput, kHidden).layers(2).residual(true).dropout(0.3).seed(4),
      RecurrentOptions(kInput, kHidden).layers(2).temporal_skip(2).seed(5),
      RecurrentOptions(kInput, kHidden).layers(2).temporal_skip(2).learn_skip_weight(true).seed(6),
      RecurrentOptions(kInput, kHidden)
          .layers(2)
          .temporal_skip(1)
          .skip_mode(SkipMode::Dilated)
          .seed(7),
      RecurrentOptions(kInput, kHidden)
          .layers(2)
          .temporal_skip(2)
          .skip_mode(SkipMode::Accumulate)
          .residual(true)
          .seed(8)};
  return variants;
}

}  // namespace

TEST_CASE("stepping T times equals forward: outputs, final states and every gradient",
          "[recurrent][steps]") {
  for (std::size_t i = 0; i < stack_variants().size(); ++i) {
    INFO("variant " << i);
    check_steps_agree<LSTM<double>>(stack_variants()[i]);
    check_steps_agree<GRU<double>>(stack_variants()[i]);
    check_steps_agree<RNN<double>>(stack_variants()[i]);
  }
}

TEST_CASE("forward keeps every layer's state at every step, in the graph", "[recurrent][steps]") {
  LSTM<double> layer(LSTMOptions(kInput, kHidden).layers(2).temporal_skip(2).seed(9));
  Var<double> x(random_array({kBatch, kSteps, kInput}, 43));
  const std::vector<std::size_t> lengths{6, 4, 1};
  auto out = layer.forward(x, {}, lengths, {.keep_states = true});
  REQUIRE(out.step_states.size() == 2);
  REQUIRE(out.step_states[1].size() == kSteps);
  // The last layer's kept h_t is the output at every valid step; a padded step repeats the last
  // valid state; the last kept state is the final state.
  for (std::size_t t = 0; t < kSteps; ++t) {
    const Array<double>& h = out.step_states[1][t][0].value();
    for (std::size_t b = 0; b < kBatch; ++b)
      for (std::size_t j = 0; j < kHidden; ++j) {
        const double expected = t < lengths[b]
                                    ? out.output.value()(b, t, j)
                                    : out.step_states[1][lengths[b] - 1][0].value()(b, j);
        CHECK(h(b, j) == expected);
      }
  }
  for (std::size_t l = 0; l < 2; ++l)
    for (std::size_t p = 0; p < 2; ++p)
      CHECK(all_close(out.step_states[l][kSteps - 1][p].value(), out.final_states[l][p].value(),
                      0.0));
  // Their gradients are ∂L/∂h_t: for L = Σ h_T of the last layer (row 0, all steps valid),
  // ∂L/∂h_T is ones and earlier steps receive what flows back through the recurrence.
  for (auto& s : out.step_states[1]) s[0].retain_grad();
  Var<double> last = out.final_states[1][0];
  sum(last).backward();
  CHECK(all_close(out.step_states[1][kSteps - 1][0].grad(),
                  Array<double>(xt::ones<double>({kBatch, kHidden})), 0.0));
  double earlier = 0;
  for (double g : Array<double>(xt::view(out.step_states[1][2][0].grad(), 0))) earlier += g * g;
  CHECK(earlier > 0.0);  // h_2 of row 0 reaches h_5 through h_3, h_4 and the skip
  tape<double>().reset();
  // Off by default: nothing kept.
  CHECK(layer.forward(x).step_states.empty());
}

TEST_CASE("kept states' gradients match the same states read through stepping",
          "[recurrent][steps]") {
  // ∂L/∂h_t from forward's kept states against a hand-unrolled step loop's retained states.
  GRU<double> layer(GRUOptions(kInput, kHidden).layers(2).temporal_skip(2).seed(10));
  Var<double> x(random_array({kBatch, kSteps, kInput}, 44));
  const Var<double> w(random_array({kBatch, kSteps, kHidden}, 45));
  auto out = layer.forward(x, {}, {}, {.keep_states = true});
  for (auto& per_layer : out.step_states)
    for (auto& s : per_layer) s[0].retain_grad();
  sum(out.output * w).backward();
  std::vector<Array<double>> kept;
  for (auto& per_layer : out.step_states)
    for (auto& s : per_layer) kept.push_back(s[0].grad());
  tape<double>().reset();

  StepState<double> state = layer.start(kBatch);
  std::vector<std::vector<Var<double>>> hs(2);
  Var<double> loss;
  for (std::size_t t = 0; t < kSteps; ++t) {
    auto r = layer.step(select(x, 1, t), state);
    state = r.state;
    for (std::size_t l = 0; l < 2; ++l) {
      state.layer(l)[0].retain_grad();
      hs[l].push_back(state.layer(l)[0]);
    }
    Var<double> term = sum(r.output * select(w, 1, t));
    loss = loss.defined() ? loss + term : term;
  }
  loss.backward();
  std::size_t i = 0;
  for (std::size_t l = 0; l < 2; ++l)
    for (std::size_t t = 0; t < kSteps; ++t, ++i) {
      INFO("layer " << l << ", step " << t);
      CHECK(all_close(hs[l][t].grad(), kept[i], 1e-12));
    }
  tape<double>().reset();
}

TEST_CASE("a changed step state is what the next step and output read", "[recurrent][steps]") {
  LSTM<double> layer(LSTMOptions(kInput, kHidden).layers(2).residual(true).seed(11));
  NoGrad no_grad;
  const Var<double> x(random_array({1, kInput}, 46));
  auto r = layer.step(x, layer.start(1));
  StepState<double> clamped = r.state;
  Array<double> h = clamped.layer(1)[0].value();
  const double before = h(0, 2);
  h(0, 2) = 0.75;
  clamped.layer(1)[0] = Var<double>(h);
  // The output is the new h plus the residual input (unchanged); the next step starts from it.
  CHECK(all_close(layer.output(r.state).value(), r.output.value(), 0.0));
  Array<double> shifted = r.output.value();
  shifted(0, 2) += 0.75 - before;
  CHECK(all_close(layer.output(clamped).value(), shifted, 1e-15));
  const auto a = layer.step(x, r.state).output.value();
  const auto b = layer.step(x, clamped).output.value();
  CHECK_FALSE(all_close(a, b, 1e-6));
}

TEST_CASE("a changed state reaches the accumulating skip too", "[recurrent][steps]") {
  // Accumulate, k = 1: h_t = o_t + h_{t−1}. A state changed between steps is the h_{t−1} of both
  // terms: the cell's input and the skip's.
  RNN<double> layer(RNNOptions(3, 4).temporal_skip(1).skip_mode(SkipMode::Accumulate).seed(12));
  NoGrad no_grad;
  const Var<double> x(random_array({2, 3}, 51));
  StepState<double> state = layer.step(x, layer.start(2)).state;
  const Var<double> changed(random_array({2, 4}, 52));
  state.layer(0)[0] = changed;
  const auto next = layer.step(x, state).output.value();
  const auto own = layer.cell(0).step(x, {changed})[0].value();
  CHECK(all_close(next, Array<double>(own + changed.value()), 1e-15));
}

TEST_CASE("temporal skips stay bounded along the sequence at initialization", "[recurrent][skip]") {
  // The mean ‖h_t‖ over the last quarter of the steps and a random head's cross-entropy, at
  // T = 16 and T = 256. The cells' own outputs are bounded (|o| ≤ 1) and an Output skip is a
  // convex mix of them, so every mode but Accumulate is.
  auto measure = [](RecurrentOptions options, const std::string& cell, std::size_t steps) {
    options.seed(12);
    Var<double> x(random_array({4, steps, 8}, 47));
    NoGrad no_grad;
    SequenceOutput<double> out;
    if (cell == "lstm") out = LSTM<double>(options).forward(x);
    if (cell == "gru") out = GRU<double>(options).forward(x);
    if (cell == "rnn") out = RNN<double>(options).forward(x);
    const Array<double>& y = out.output.value();
    double norm = 0;
    for (std::size_t t = steps - steps / 4; t < steps; ++t)
      for (std::size_t b = 0; b < 4; ++b) {
        double s = 0;
        for (std::size_t j = 0; j < 16; ++j) s += y(b, t, j) * y(b, t, j);
        norm += std::sqrt(s) / static_cast<double>(4 * (steps / 4));
      }
    Var<double> head(random_array({16, 10}, 48, -0.25, 0.25));
    IndexArray targets = IndexArray::from_shape({4, steps});
    for (std::size_t i = 0; i < targets.size(); ++i) targets.data()[i] = (i * 7) % 10;
    const double loss = cross_entropy(matmul(out.output, head), targets).item();
    return std::pair{norm, loss};
  };
  const RecurrentOptions base = RecurrentOptions(8, 16).layers(2);
  const std::pair<std::string, RecurrentOptions> bounded[] = {
      {"output k=2", RecurrentOptions(base).temporal_skip(2)},
      {"output k=4 w=0.9", RecurrentOptions(base).temporal_skip(4).skip_weight(0.9)},
      {"output k=3 learned", RecurrentOptions(base).temporal_skip(3).learn_skip_weight(true)},
      {"dilated k=2", RecurrentOptions(base).temporal_skip(2).skip_mode(SkipMode::Dilated)},
      {"none", base}};
  for (const std::string cell : {"lstm", "gru", "rnn"}) {
    for (const auto& [name, options] : bounded) {
      const auto [short_norm, short_loss] = measure(options, cell, 16);
      const auto [long_norm, long_loss] = measure(options, cell, 256);
      INFO(cell << ", " << name << ": ‖h‖ " << short_norm << " → " << long_norm << ", loss "
                << short_loss << " → " << long_loss);
      CHECK(long_norm <= 1.25 * short_norm);
      CHECK(long_loss <= 1.1 * short_loss);
    }
    // The accumulating definition is why the modes exist: its state grows with T.
    const auto accumulate = RecurrentOptions(base).temporal_skip(2).skip_mode(SkipMode::Accumulate);
    const double short_norm = measure(accumulate, cell, 16).first;
    const double long_norm = measure(accumulate, cell, 256).first;
    INFO(cell << ", accumulate: ‖h‖ " << short_norm << " → " << long_norm);
    CHECK(long_norm > 4 * short_norm);
  }
}

TEST_CASE("stepwise and skip errors name the layer and the shapes", "[recurrent][errors]") {
  GRU<double> layer(GRUOptions(3, 4).layers(2));
  const auto state = layer.start(2);
  CHECK_THROWS_WITH(layer.step(Var<double>(Array<double>::from_shape({2, 5})), state),
                    Catch::Contains("GRU: step input [2,5]: expected [2, 3]"));
  CHECK_THROWS_WITH(layer.step(Var<double>(Array<double>::from_shape({3, 3})), state),
                    Catch::Contains("step input [3,3]: expected [2, 3] (the state's batch)"));
  GRU<double> other(GRUOptions(3, 4).layers(3));
  CHECK_THROWS_WITH(layer.step(Var<double>(Array<double>::from_shape({2, 3})), other.start(2)),
                    Catch::Contains("GRU: step given a state of 3 layers for 2 layers"));
  StateList<double> wrong{{Var<double>(Array<double>::from_shape({2, 5}))},
                          {Var<double>(Array<double>::from_shape({2, 4}))}};
  CHECK_THROWS_WITH(layer.start(wrong),
                    Catch::Contains("GRU: state of layer 0 part 0 is [2,5], expected [2, 4]"));
  CHECK_THROWS_WITH(layer.output(StepState<double>()),
                    Catch::Contains("output of a state that has taken no step"));
  CHECK_THROWS_WITH(GRU<double>(GRUOptions(3, 4).learn_skip_weight(true)),
                    Catch::Contains("learned skip weight needs a temporal skip"));
  CHECK_THROWS_WITH(
      GRU<double>(
          GRUOptions(3, 4).temporal_skip(2).skip_mode(SkipMode::Dilated).learn_skip_weight(true)),
      Catch::Contains("learned skip weight"));
  CHECK_THROWS_WITH(GRU<double>(GRUOptions(3, 4).temporal_skip(2).skip_weight(1.5)),
                    Catch::Contains("GRU: skip weight 1.5 is not in [0, 1]"));
  CHECK_THROWS_WITH(
      GRU<double>(GRUOptions(3, 4).temporal_skip(2).skip_weight(1.0).learn_skip_weight(true)),
      Catch::Contains("cannot start at 1"));
  GRU<double> recomputing(GRUOptions(3, 4).recompute(true));
  Var<double> x(random_array({2, 5, 3}, 49), true);
  CHECK_THROWS_WITH(recomputing.forward(x, {}, {}, {.keep_states = true}),
                    Catch::Contains("keep_states"));
  tape<double>().reset();
}
