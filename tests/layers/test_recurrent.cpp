// The sequence runner: stacking, residual and temporal skips, masks, layouts, truncated BPTT,
// long sequences, and the vanishing-gradient facts the layers exist to demonstrate.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "framework/ops/reduce.hpp"
#include "layers/recurrent.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

using Vars = std::vector<Var<double>>;

double norm(const Array<double>& a) {
  double s = 0;
  for (double v : a) s += v * v;
  return std::sqrt(s);
}

}  // namespace

TEST_CASE("gradcheck: a 2-layer residual LSTM stack", "[recurrent][gradcheck]") {
  LSTM<double> layer(LSTMOptions(4, 4).layers(2).residual(true).seed(2));
  REQUIRE_GRADCHECK([&](const Vars& v) { return layer.forward(v[0]).output; },
                    {random_array({2, 3, 4}, 1)}, layer.parameters());
}

TEST_CASE("gradcheck: every temporal-skip variant", "[recurrent][gradcheck]") {
  const RecurrentOptions variants[] = {
      GRUOptions(3, 4).temporal_skip(2), GRUOptions(3, 4).temporal_skip(2).skip_weight(0.25),
      GRUOptions(3, 4).temporal_skip(2).learn_skip_weight(true).skip_weight(0.7),
      GRUOptions(3, 4).temporal_skip(1).skip_mode(SkipMode::Dilated).layers(2),
      GRUOptions(3, 4).temporal_skip(2).skip_mode(SkipMode::Accumulate)};
  for (const auto& options : variants) {
    GRU<double> layer(RecurrentOptions(options).seed(3));
    INFO("mode " << static_cast<int>(options.skip_mode()) << ", layers " << options.layers());
    REQUIRE_GRADCHECK(
        [&](const Vars& v) {
          StateList<double> initial;
          for (std::size_t l = 0; l < options.layers(); ++l) initial.push_back({v[1]});
          auto r = layer.forward(v[0], initial, {5, 3});
          return concat({reshape(r.output, {2, -1}), r.final_states.back()[0]}, 1);
        },
        {random_array({2, 5, 3}, 2), random_array({2, 4}, 3, -0.5, 0.5)}, layer.parameters());
  }
}

TEST_CASE("gradcheck: a masked batch of variable lengths", "[recurrent][gradcheck]") {
  LSTM<double> layer(LSTMOptions(3, 4).layers(2).seed(4));
  REQUIRE_GRADCHECK(
      [&](const Vars& v) {
        auto r = layer.forward(v[0], {}, {4, 2, 1});
        return concat({reshape(r.output, {3, -1}), r.final_states[1][0], r.final_states[0][1]}, 1);
      },
      {random_array({3, 4, 3}, 5)}, layer.parameters());
}

TEST_CASE("residual adds each layer's input to its output", "[recurrent]") {
  const auto x = random_array({2, 3, 4}, 6);
  LSTM<double> plain(LSTMOptions(4, 4).seed(7));
  LSTM<double> residual(LSTMOptions(4, 4).seed(7).residual(true));
  CHECK(all_close(residual.forward(Var<double>(x)).output.value(),
                  plain.forward(Var<double>(x)).output.value() + x, 1e-12));
  tape<double>().reset();
}

TEST_CASE("residual from the first layer of the hidden width on: values and gradients",
          "[recurrent]") {
  // Input width 3 ≠ hidden 4: layer 0 is plain, layer 1 residual (as in GNMT), so the output is
  // h1 + h0 — layer 1's own output plus its input. A plain 2-layer stack gives h1 and a 1-layer
  // one h0 by the same operations (layer l's weights come from seed + l at any depth), so the
  // output is their sum exactly: one float64 addition on each side.
  struct Run {
    Array<double> output, input_grad;
    std::map<std::string, Array<double>> grads;
  };
  const Array<double> data = random_array({2, 3, 3}, 9), w = random_array({2, 3, 4}, 10);
  auto run = [&](const RNNOptions& options) {
    RNN<double> layer(RNNOptions(options).seed(8));
    Var<double> x(data, true);
    const Var<double> out = layer.forward(x).output;
    sum(out * Var<double>(w)).backward();  // L = Σ out ⊙ w
    Run r{out.value(), x.grad(), {}};
    for (const auto& [name, p] : layer.named_parameters()) r.grads[name] = p.grad();
    tape<double>().reset();
    return r;
  };
  const Run stack = run(RNNOptions(3, 4).layers(2).residual(true));
  const Run h1 = run(RNNOptions(3, 4).layers(2));
  const Run h0 = run(RNNOptions(3, 4));
  CHECK(all_close(stack.output, Array<double>(h1.output + h0.output), 0.0));
  // ∂L/∂h0 = w + J1ᵀw: whatever h0 feeds (x, layer 0's weights) gets h0's gradient plus h1's;
  // layer 1's weights get h1's alone. The sums are split differently (at h0 on one side, at the
  // end on the other); every element sums fewer than 100 products of magnitude ≤ 1 (3 steps,
  // widths 3 and 4), so the two orders differ by under 100·ε·Σ|terms| < 1e-12.
  CHECK(all_close(stack.input_grad, Array<double>(h1.input_grad + h0.input_grad), 1e-12));
  for (const auto& [name, grad] : stack.grads) {
    INFO(name);
    const bool layer0 = name.ends_with("_l0");
    CHECK(all_close(
        grad, layer0 ? Array<double>(h1.grads.at(name) + h0.grads.at(name)) : h1.grads.at(name),
        1e-12));
  }
}

TEST_CASE("temporal skips: each mode's formula on a cell that forgets", "[recurrent]") {
  // An RNN of one unit with weight_ih 1 and every other weight 0 forgets at once: o_t = tanh(x_t),
  // so with input at step 0 only, o = (h0, 0, 0, 0, 0) and the skip path alone carries h0 on.
  // With weight_hh 1 too (`recurrent`), o_t = tanh(x_t + h_{t−1}) shows which state a step reads.
  auto run = [](RNNOptions options, bool recurrent) {
    RNN<double> layer(options.seed(1));
    for (auto& p : layer.parameters()) p.mutable_value().fill(0.0);
    layer.parameter("weight_ih_l0").mutable_value().fill(1.0);
    if (recurrent) layer.parameter("weight_hh_l0").mutable_value().fill(1.0);
    Array<double> x = Array<double>::from_shape({1, 5, 1});
    x.fill(0.0);
    x(0, 0, 0) = 0.5;  // only step 0 has input
    const Array<double> out = layer.forward(Var<double>(x)).output.value();
    tape<double>().reset();
    return Array<double>(xt::reshape_view(out, {5}));
  };
  const double h0 = std::tanh(0.5);
  const auto skip2 = RNNOptions(1, 1).temporal_skip(2);
  // Output: h_t = (1 − w)·o_t + w·o_{t−2} — h0 reaches step 2, not step 4 (w = 0.5 unless set).
  CHECK(all_close(run(skip2, false), Array<double>{h0, 0, 0.5 * h0, 0, 0}, 1e-15));
  CHECK(all_close(run(RNNOptions(skip2).skip_weight(0.25), false),
                  Array<double>{h0, 0, 0.25 * h0, 0, 0}, 1e-15));
  // Accumulate: h_t = o_t + h_{t−2} — the skip-included state, so h0 returns every 2 steps.
  CHECK(all_close(run(RNNOptions(skip2).skip_mode(SkipMode::Accumulate), false),
                  Array<double>{h0, 0, h0, 0, h0}, 1e-15));
  // Dilated: o_t = tanh(x_t + h_{t−2}); steps 0 and 1 read the initial zeros.
  CHECK(all_close(run(RNNOptions(skip2).skip_mode(SkipMode::Dilated), true),
                  Array<double>{h0, 0, std::tanh(h0), 0, std::tanh(std::tanh(h0))}, 1e-15));
  // No skip: o_t = tanh(x_t + h_{t−1}).
  const double h1 = std::tanh(h0), h2 = std::tanh(h1), h3 = std::tanh(h2);
  CHECK(
      all_close(run(RNNOptions(1, 1), true), Array<double>{h0, h1, h2, h3, std::tanh(h3)}, 1e-15));
}

TEST_CASE("padded steps keep the state and output zeros", "[recurrent]") {
  GRU<double> layer(GRUOptions(2, 3).seed(10));
  const auto x = random_array({2, 4, 2}, 11);
  auto full = layer.forward(Var<double>(x));
  auto masked = layer.forward(Var<double>(x), {}, {4, 2});
  const auto& a = full.output.value();
  const auto& b = masked.output.value();
  // A valid step computes what the unmasked run computes on the same values (only the padded
  // inputs of another row differ, and no op mixes rows). Every element is a float64 sum of at
  // most F + H = 5 products per gate and step, magnitudes ≤ 1, over 4 steps: any other order of
  // those sums moves it by under 4·5·ε·Σ|terms| ≈ 1e-14. 1e-12 relative is that with room, and
  // far below what float32 arithmetic anywhere in the masked path would leave (~6e-8).
  constexpr double tol = 1e-12;
  using xt::range, xt::view;
  CHECK(all_close(Array<double>(view(b, 0)), Array<double>(view(a, 0)), tol));
  CHECK(all_close(Array<double>(view(b, 1, range(0, 2))), Array<double>(view(a, 1, range(0, 2))),
                  tol));
  CHECK(all_close(Array<double>(view(b, 1, range(2, 4))), Array<double>(xt::zeros<double>({2, 3})),
                  0.0));
  // Row 0's final state is its step 3; row 1 kept its step 1 through the padding.
  const Array<double>& final_state = masked.final_states[0][0].value();
  CHECK(all_close(Array<double>(view(final_state, 0)), Array<double>(view(a, 0, 3)), tol));
  CHECK(all_close(Array<double>(view(final_state, 1)), Array<double>(view(a, 1, 1)), tol));
  tape<double>().reset();
}

TEST_CASE("a NaN or inf in a padded step reaches nothing", "[recurrent]") {
  // Padded steps select, never blend (0·NaN is NaN): planting NaN and inf in the padding must
  // leave every output, final state and gradient bit-identical to clean padding.
  const std::vector<std::size_t> lengths{4, 2, 1};
  auto run = [&](const RecurrentOptions& options, bool poisoned) {
    LSTM<double> layer(options);
    Array<double> data = random_array({3, 4, 3}, 23);
    if (poisoned) {
      for (std::size_t b = 0; b < 3; ++b)
        for (std::size_t t = lengths[b]; t < 4; ++t)
          for (std::size_t f = 0; f < 3; ++f)
            data(b, t, f) = f == 1 ? std::numeric_limits<double>::infinity() : std::nan("");
    }
    Var<double> x(data, true);
    auto r = layer.forward(x, {}, lengths);
    std::vector<Array<double>> out{r.output.value()};
    Var<double> loss = sum(r.output);
    for (auto& s : r.final_states) {
      out.push_back(s[0].value());
      loss = loss + sum(s[1] * s[1]);
    }
    loss.backward();
    out.push_back(x.grad());
    for (auto& p : layer.parameters()) out.push_back(p.grad());
    tape<double>().reset();
    return out;
  };
  const RecurrentOptions variants[] = {
      LSTMOptions(3, 4).layers(2).seed(24),
      LSTMOptions(3, 4).layers(2).bidirectional(true).seed(25),
      LSTMOptions(3, 4).temporal_skip(1).skip_mode(SkipMode::Dilated).layers(2).seed(26),
      LSTMOptions(3, 4).layers(2).recompute(true).block_steps(2).seed(27)};
  // Valid rows are selected too, not recomputed as s + 1·(s' − s): a batch whose rows are all
  // full gives bit for bit what the unmasked layer gives.
  {
    LSTM<double> layer(LSTMOptions(3, 4).layers(2).seed(28));
    const Var<double> x(random_array({3, 4, 3}, 29));
    CHECK(all_close(layer.forward(x, {}, {4, 4, 4}).output.value(), layer.forward(x).output.value(),
                    0.0));
    tape<double>().reset();
  }
  for (const auto& options : variants) {
    const auto clean = run(options, false), poisoned = run(options, true);
    REQUIRE(clean.size() == poisoned.size());
    for (std::size_t i = 0; i < clean.size(); ++i) {
      INFO("result " << i << " (output, final h per layer, input gradient, parameter gradients)");
      CHECK(all_close(poisoned[i], clean[i], 0.0));
    }
  }
}

TEST_CASE("time-first layout gives the transposed result", "[recurrent]") {
  const auto x = random_array({2, 3, 4}, 12);
  LSTM<double> batch_first(LSTMOptions(4, 5).layers(2).seed(13));
  LSTM<double> time_first(LSTMOptions(4, 5).layers(2).seed(13).batch_first(false));
  const auto a = batch_first.forward(Var<double>(x)).output;
  const auto b = time_first.forward(permute(Var<double>(x), {1, 0, 2})).output;
  CHECK(all_close(permute(b, {1, 0, 2}).value(), a.value(), 1e-12));
  tape<double>().reset();
}

TEST_CASE("truncated BPTT: detached states carry values but not gradients", "[recurrent]") {
  LSTM<double> layer(LSTMOptions(2, 3).seed(14));
  const auto x = random_array({1, 6, 2}, 15);
  const auto whole = layer.forward(Var<double>(x)).output.value();
  Var<double> first(Array<double>(xt::view(x, xt::all(), xt::range(0, 3), xt::all())), true);
  Var<double> second(Array<double>(xt::view(x, xt::all(), xt::range(3, 6), xt::all())), true);
  auto a = layer.forward(first);
  State<double> carried;
  for (auto& s : a.final_states[0]) carried.push_back(detach(s));
  auto b = layer.forward(second, {carried});
  CHECK(all_close(b.output.value(),
                  Array<double>(xt::view(whole, xt::all(), xt::range(3, 6), xt::all())), 1e-12));
  sum(b.output).backward();
  CHECK(norm(second.grad()) > 0.0);
  CHECK(norm(first.grad()) == 0.0);
  tape<double>().reset();
}

TEST_CASE("a 50,000-step LSTM: forward and backward without stack overflow, as in 50 chunks",
          "[recurrent]") {
  // The forget gate held open carries ∂L/∂c_T to step 0 nearly whole, so every link of the chain
  // shapes the gradient: with bias 20 its pre-activation is over 20 − 10/√8 − 0.05/√8 > 16 (two
  // biases, 8 of h·W_hhᵀ and x·W_ihᵀ, all weights U(±1/√8), |h| ≤ 1), so f > 1 − 2e-7 and
  // Π f > 0.99. The reference: the same gradient in 50 chunks of 1,000 steps, each a graph of its
  // own (~5,000 nodes; the whole run records ~250,000), backpropagated last chunk first with the
  // carried state's gradient seeded by hand: chunk k's loss is Σ s_end ⊙ ∂L/∂s_0 of chunk k + 1,
  // over h and c. The chunks are whole projection blocks (250 steps), so both sides run the same
  // floating-point operations in the same order — the hand seed multiplies by ones, exactly — and
  // agree bit for bit.
  constexpr std::size_t steps = 50000, chunk = 1000;
  const unroll::testing::ComputeThreads one(1);  // [1, 8] rows: a parallel region only costs
  const auto options = LSTMOptions(1, 8).forget_bias(20.0).block_steps(250).seed(16);
  const Array<float> data = xt::cast<float>(random_array({1, steps, 1}, 16, -0.05, 0.05));
  auto slice = [&](std::size_t t0) {
    return Array<float>(xt::view(data, xt::all(), xt::range(t0, t0 + chunk), xt::all()));
  };

  LSTM<float> layer(options);
  Var<float> x(data, true);
  sum(layer.forward(x).final_states[0][1]).backward();  // L = Σ c_T
  const Array<float> whole_x = x.grad();
  std::vector<Array<float>> whole_params;
  for (auto& p : layer.parameters()) whole_params.push_back(p.grad());
  tape<float>().reset();
  CHECK(std::abs(whole_x(0, 0, 0)) > 1e-3f);  // the gradient reached step 0, undiminished

  LSTM<float> chunked(options);
  std::vector<State<float>> starts;  // each chunk's initial state, by a forward pass in chunks
  State<float> carried = chunked.cell(0).initial_state(1);
  for (std::size_t t0 = 0; t0 < steps; t0 += chunk) {
    starts.push_back(carried);
    const auto r = chunked.forward(Var<float>(slice(t0)), {carried});
    carried = {detach(r.final_states[0][0]), detach(r.final_states[0][1])};
    tape<float>().reset();
  }
  Array<float> chunked_x = Array<float>::from_shape(data.shape());
  State<float> seed;  // ∂L/∂s_0 of the chunk after (none for the last)
  for (std::size_t k = starts.size(); k-- > 0;) {
    State<float> start{Var<float>(starts[k][0].value(), true),
                       Var<float>(starts[k][1].value(), true)};
    Var<float> in(slice(k * chunk), true);
    const auto r = chunked.forward(in, {start});
    const Var<float> loss =
        seed.empty() ? sum(r.final_states[0][1])
                     : sum(r.final_states[0][0] * seed[0]) + sum(r.final_states[0][1] * seed[1]);
    loss.backward();  // the parameters' gradients accumulate over the chunks
    xt::view(chunked_x, xt::all(), xt::range(k * chunk, (k + 1) * chunk), xt::all()) = in.grad();
    seed = {Var<float>(start[0].grad()), Var<float>(start[1].grad())};
    tape<float>().reset();
  }
  CHECK(all_close(chunked_x, whole_x, 0.0));
  const auto params = chunked.parameters();
  REQUIRE(params.size() == whole_params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    INFO("parameter " << i);
    CHECK(all_close(params[i].grad(), whole_params[i], 0.0));
  }
}

TEST_CASE("vanishing gradients: a tanh RNN's shrinks by rho per step, an LSTM's far less",
          "[recurrent][seed]") {
  // ‖∂L/∂h_t‖ for L = Σ h_T, unrolled by hand so every h_t is at hand.
  constexpr std::size_t steps = 40;
  struct Run {
    std::vector<double> norms;          // ‖∂L/∂h_t‖, t = 0 … T − 1
    std::vector<Array<double>> states;  // h_t
  };
  auto run = [&](const auto& cell, const Array<double>& input) {
    Var<double> x(input);
    State<double> state = cell.initial_state(1);
    std::vector<Var<double>> hs;
    for (std::size_t t = 0; t < steps; ++t) {
      state = cell.step(x, state);
      state[0].retain_grad();  // read after backward
      hs.push_back(state[0]);
    }
    sum(state[0]).backward();
    Run r;
    for (auto& h : hs) {
      r.norms.push_back(norm(h.grad()));
      r.states.push_back(h.value());
    }
    tape<double>().reset();
    return r;
  };
  // A tanh RNN with W_hh = ρ·Q, Q orthogonal: ∂L/∂h_{t−1} = W_hhᵀ·(D_t·∂L/∂h_t) with
  // D_t = diag(1 − h_t²), and ‖Qᵀv‖ = ‖v‖, so the ratio ‖∂L/∂h_{t−1}‖ / ‖∂L/∂h_t‖ lies in
  // [ρ·min_j D_t, ρ·max_j D_t]. Zero biases and an input of 0.01 keep it in tanh's linear regime:
  // ‖x·W_ihᵀ‖ ≤ 0.01·0.25·√16 = 0.01 (W_ih is U(±1/√16)) and |tanh p| ≤ |p|, so
  // ‖h‖ ≤ 0.01 / (1 − ρ) = 0.02 and D ≥ 1 − 4e-4: every ratio is ρ to within 4e-4. Both bounds get
  // 1e-12 relative for rounding: each norm is of a float64 vector computed through at most 40
  // steps of 16-term sums, so it is off by under 40·16·ε ≈ 1.4e-13 relative.
  constexpr double rho = 0.5;
  RNNCell<double> rnn(RNNOptions(1, 16).recurrent_init(RecurrentInit::Orthogonal).seed(18));
  rnn.weight_hh.mutable_value() *= rho;
  rnn.bias_ih.mutable_value().fill(0.0);
  rnn.bias_hh.mutable_value().fill(0.0);
  const Run tanh_rnn = run(rnn, Array<double>(xt::ones<double>({1, 1}) * 0.01));
  constexpr double slack = 1e-12;
  for (std::size_t t = 1; t < steps; ++t) {
    const Array<double> d = 1.0 - tanh_rnn.states[t] * tanh_rnn.states[t];
    const double lo = rho * xt::amin(d)(), hi = rho * xt::amax(d)();
    const double ratio = tanh_rnn.norms[t - 1] / tanh_rnn.norms[t];
    INFO("t = " << t << ": ratio " << ratio << " in [" << lo << ", " << hi << "]");
    REQUIRE(lo >= rho * (1 - 4e-4));  // the linear regime derived above
    CHECK(ratio >= lo * (1 - slack));
    CHECK(ratio <= hi * (1 + slack));
  }
  // Over the 39 steps back to h_0: ρ^39 ≈ 1.8e-12, to within (1 − 4e-4)^39 > 1 − 39·4e-4.
  const double rnn_ratio = tanh_rnn.norms[0] / tanh_rnn.norms[steps - 1];
  CHECK(rnn_ratio >= std::pow(rho, steps - 1) * (1 - 39 * 4e-4));
  CHECK(rnn_ratio <= std::pow(rho, steps - 1) * (1 + slack));
  // An LSTM with forget bias 1 (default biases, a larger input) keeps far more of it.
  LSTMCell<double> lstm(LSTMOptions(1, 16).forget_bias(1.0).seed(19));
  const Run lstm_run = run(lstm, random_array({1, 1}, 17));
  const double lstm_ratio = lstm_run.norms[0] / lstm_run.norms[steps - 1];
  INFO("rnn ‖g_0‖/‖g_T‖ = " << rnn_ratio << ", lstm = " << lstm_ratio);
  CHECK(lstm_ratio > 1e6 * rnn_ratio);
}

TEST_CASE("recurrent errors name the layer and the shapes", "[recurrent][errors]") {
  LSTM<double> layer(LSTMOptions(5, 4).layers(2));
  CHECK_THROWS_WITH(layer.forward(Var<double>(Array<double>::from_shape({3, 5}))),
                    Catch::Contains("LSTM: input [3,5]: expected [B, T, 5]"));
  CHECK_THROWS_AS(layer.forward(Var<double>(Array<double>::from_shape({2, 3, 6}))), ShapeError);
  Var<double> x(Array<double>::from_shape({2, 3, 5}));
  auto wrong = layer.cell(0).initial_state(3);
  CHECK_THROWS_WITH(layer.forward(x, {wrong, wrong}),
                    Catch::Contains("initial state of layer 0 part 0 is [3,4], expected [2, 4]"));
  CHECK_THROWS_WITH(layer.forward(x, {layer.cell(0).initial_state(2)}),
                    Catch::Contains("1 initial states given for 2 layers"));
  CHECK_THROWS_AS(layer.forward(x, {}, {3}), ShapeError);
  CHECK_THROWS_AS(layer.forward(x, {}, {3, 4}), ValueError);
  CHECK_THROWS_WITH(LSTM<double>(LSTMOptions(5, 4).residual(true)),
                    Catch::Contains("residual") && Catch::Contains("input width 5"));
  CHECK_THROWS_AS(GRU<double>(GRUOptions(0, 4)), ValueError);
  CHECK_THROWS_AS(GRU<double>(GRUOptions(3, 4).layers(0)), ValueError);
  CHECK_THROWS_AS(GRUOptions(3, 4).temporal_skip(0), ValueError);
  CHECK_THROWS_AS(RNN<double>(RNNOptions(3, 4).dropout(1.0)), ValueError);
}

namespace {

// Loss, input gradient, initial-state gradients and every parameter gradient of a stack run
// on x (3 rows of lengths 5, 3 and 5), with the given options.
template <class Layer>
std::vector<Array<double>> run_gradients(const RecurrentOptions& options, bool with_lengths) {
  Layer layer(options);
  Var<double> x(random_array({3, 5, 3}, 21), true);
  StateList<double> initial;
  std::vector<Var<double>> initial_parts;
  for (std::size_t l = 0; l < options.layers(); ++l) {
    State<double> s = layer.cell(l).initial_state(3);
    for (auto& part : s) {
      part = Var<double>(random_array(part.shape(), 30 + static_cast<unsigned>(l)), true);
      initial_parts.push_back(part);
    }
    initial.push_back(s);
  }
  const std::vector<std::size_t> lengths =
      with_lengths ? std::vector<std::size_t>{5, 3, 5} : std::vector<std::size_t>{};
  auto r = layer.forward(x, initial, lengths);
  Var<double> w(random_array(r.output.shape(), 22));
  Var<double> loss = sum(r.output * w);
  for (const auto& s : r.final_states)
    for (const auto& part : s) loss = loss + sum(part * part);
  loss.backward();
  std::vector<Array<double>> out{loss.value(), x.grad()};
  for (const auto& p : initial_parts) out.push_back(p.grad());
  for (const auto& p : layer.parameters()) out.push_back(p.grad());
  tape<double>().reset();
  return out;
}

template <class Layer>
void check_recompute_agrees(RecurrentOptions options, bool with_lengths) {
  options.block_steps(2);  // 5 steps: blocks of 2, 2 and 1
  const auto kept = run_gradients<Layer>(options, with_lengths);
  const auto recomputed = run_gradients<Layer>(options.recompute(true), with_lengths);
  REQUIRE(kept.size() == recomputed.size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    INFO("result " << i << " (loss, input, initial states, parameters)");
    CHECK(all_close(recomputed[i], kept[i], 1e-12));
  }
}

}  // namespace

TEST_CASE("recompute: the same loss and gradients as keeping every step", "[recurrent]") {
  const auto options = RecurrentOptions(3, 4).layers(2).seed(5);
  check_recompute_agrees<LSTM<double>>(options, false);
  check_recompute_agrees<GRU<double>>(options, false);
  check_recompute_agrees<RNN<double>>(options, false);
  check_recompute_agrees<LSTM<double>>(options, true);  // padded steps inside the blocks
  check_recompute_agrees<GRU<double>>(RecurrentOptions(options).dropout(0.3).residual(true), true);
}

TEST_CASE("gradcheck: a recomputed 2-layer LSTM in blocks of 2 steps", "[recurrent][gradcheck]") {
  LSTM<double> layer(LSTMOptions(3, 4).layers(2).recompute(true).block_steps(2).seed(6));
  REQUIRE_GRADCHECK(
      [&](const Vars& v) {
        auto r = layer.forward(v[0], {}, {5, 3});
        return concat({reshape(r.output, {2, -1}), r.final_states[1][1]}, 1);
      },
      {random_array({2, 5, 3}, 7)}, layer.parameters());
}

TEST_CASE("recompute with a temporal skip is refused", "[recurrent][errors]") {
  CHECK_THROWS_WITH(LSTM<float>(LSTMOptions(3, 4).recompute(true).temporal_skip(2)),
                    Catch::Contains("recompute and temporal skip 2 cannot be combined"));
}

TEST_CASE("recompute on constant data still trains the weights", "[recurrent]") {
  auto weight_gradients = [](bool recompute) {
    LSTM<double> layer(LSTMOptions(3, 4).layers(2).recompute(recompute).block_steps(2).seed(8));
    Var<double> x(random_array({2, 5, 3}, 9));  // no gradient needed for the data
    sum(layer.forward(x).output).backward();
    std::vector<Array<double>> grads;
    for (const auto& p : layer.parameters()) grads.push_back(p.grad());
    tape<double>().reset();
    return grads;
  };
  const auto kept = weight_gradients(false), recomputed = weight_gradients(true);
  REQUIRE(kept.size() == recomputed.size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    INFO("parameter " << i);
    CHECK(all_close(recomputed[i], kept[i], 1e-12));
  }
}
