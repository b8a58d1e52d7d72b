// consumer: unroll from a project of its own (CMakeLists.txt here: find_package(unroll) and
// unroll::unroll). A custom recurrent cell, the minimal gated unit (Zhou et al. 2016), written in
// a few lines of ops, learns the adding problem with Adam; it checks itself, exiting 1 unless
// training brought the validation MSE well below where it started and below the 1/6 of always
// answering 1.
#include <fmt/format.h>

#include <cmath>

#include "framework/unroll.hpp"
#include "framework/version.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "models/tasks/adding.hpp"

using namespace unroll;

//   f = σ(W_f·[x, h] + b_f)    h̃ = tanh(W_x·x + b + W_h·(f ⊙ h))    h' = h + f ⊙ (h̃ − h)
struct MinimalGatedCell : Module<float> {
  using value_type = float;
  Var<float> w_f, b_f, w_x, b, w_h;

  explicit MinimalGatedCell(const RecurrentOptions& o)
      : in(o.input_size()), hidden(o.hidden_size()) {
    Rng rng(o.seed());
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
    w_f = register_parameter("w_f", uniform<float>({hidden, in + hidden}, bound, rng));
    b_f = register_parameter("b_f", uniform<float>({hidden}, bound, rng));
    w_x = register_parameter("w_x", uniform<float>({hidden, in}, bound, rng));
    b = register_parameter("b", uniform<float>({hidden}, bound, rng));
    w_h = register_parameter("w_h", uniform<float>({hidden, hidden}, bound, rng));
  }
  std::size_t input_size() const { return in; }
  std::size_t hidden_size() const { return hidden; }
  State<float> initial_state(std::size_t batch) const {
    return {Var<float>(xt::zeros<float>({batch, hidden}))};
  }
  State<float> step(const Var<float>& x, const State<float>& s) const {
    const Var<float>& h = s[0];
    auto f = sigmoid(linear(concat({x, h}, 1), w_f, b_f));
    return {h + f * (tanh(linear(x, w_x, b) + linear(f * h, w_h)) - h)};
  }

  std::size_t in, hidden;
};

// The cell unrolled over [B, T, 2], its last output read by a linear head: [B, 1].
struct Net : Module<float> {
  std::shared_ptr<Recurrent<MinimalGatedCell>> rnn = register_module(
      "rnn", std::make_shared<Recurrent<MinimalGatedCell>>(RecurrentOptions(2, 32), "MGU"));
  std::shared_ptr<Linear<float>> head =
      register_module("head", std::make_shared<Linear<float>>(32, 1));

  Var<float> forward(const Array<float>& inputs) const {
    return head->forward(last_step(rnn->forward(Var<float>(inputs)).output));
  }
};

int main() {
  const tasks::Adding task(/*length=*/10, /*seed=*/7);
  Net net;
  Adam<float> adam(net.named_parameters(), AdamOptions().lr(1e-2));
  const auto validation = task.batch(512, /*index=*/1'000'000);  // never a training batch
  const auto validation_mse = [&] {
    NoGrad no_grad;
    return mse(net.forward(validation.inputs), Var<float>(validation.targets)).item();
  };

  const double before = validation_mse();
  fmt::print("consumer: unroll {}, a minimal gated unit ({} parameters) on the adding problem\n",
             version(), net.parameter_count());
  for (std::uint64_t step = 0; step < 400; ++step) {
    const auto batch = task.batch(32, step);
    auto loss = mse(net.forward(batch.inputs), Var<float>(batch.targets));
    adam.zero_grad();
    loss.backward();
    adam.step();
    tape<float>().reset();
  }
  const double after = validation_mse();
  const bool learned = after < 0.25 * before && after < 0.5 * tasks::Adding::baseline_mse();
  fmt::print("validation mse {:.4f} -> {:.4f} (always 1: {:.4f}): {}\n", before, after,
             tasks::Adding::baseline_mse(), learned ? "learned" : "NOT LEARNED");
  return learned ? 0 : 1;
}
