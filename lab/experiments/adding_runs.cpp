#include "lab/experiments/adding_runs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <xtensor/xview.hpp>

#include "framework/ops/nn.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "models/tasks/adding.hpp"

namespace unroll::lab {
namespace {

constexpr std::uint64_t kValidationIndex = 1'000'000'000;  // a batch index no step reaches

// inputs [B, T, 2] → the recurrent layer → its last state [B, H] → Linear → ŷ [B, 1].
class AddingNet : public Module<float> {
 public:
  AddingNet(const AddingRun& run, std::uint64_t seed) {
    auto options = RecurrentOptions(2, run.hidden).seed(seed);
    if (run.cell == "rnn") {
      auto rnn = std::make_shared<RNN<float>>(
          options.recurrent_init(run.rho > 0 ? RecurrentInit::Orthogonal : RecurrentInit::Uniform));
      if (run.rho > 0)
        rnn->parameter("weight_hh_l0").mutable_value() *= static_cast<float>(run.rho);
      stack_ = [rnn](const Var<float>& x, const StateList<float>& s) { return rnn->forward(x, s); };
      register_module("rnn", rnn);
    } else if (run.cell == "lstm") {
      auto lstm = std::make_shared<LSTM<float>>(options);
      stack_ = [lstm](const Var<float>& x, const StateList<float>& s) {
        return lstm->forward(x, s);
      };
      register_module("rnn", lstm);
    } else {
      throw ValueError(fmt::format("adding runs: cell '{}' is not rnn or lstm", run.cell));
    }
    head_ = register_module("head", std::make_shared<Linear<float>>(run.hidden, 1, seed));
  }

  // ŷ from inputs [B, T, 2]. With 0 < window < T the first T − window steps run off the tape and
  // hand their final state on detached: BPTT truncated to the last `window` steps. (The loss is
  // at the last step only, so splitting those first steps into windows too, each carrying its
  // state on detached, would give the same state and no more gradient.)
  Var<float> predict(const Array<float>& inputs, std::size_t window) const {
    const std::size_t steps = inputs.shape(1);
    const std::size_t cut = window > 0 && window < steps ? steps - window : 0;
    StateList<float> carried;
    if (cut > 0) {
      NoGrad no_grad;
      const Array<float> first = xt::view(inputs, xt::all(), xt::range(0, cut), xt::all());
      for (const auto& state : stack_(Var<float>(first), {}).final_states) {
        State<float> detached;
        for (const auto& part : state) detached.push_back(detach(part));
        carried.push_back(std::move(detached));
      }
    }
    const Array<float> last = xt::view(inputs, xt::all(), xt::range(cut, steps), xt::all());
    return head_->forward(stack_(Var<float>(last), carried).final_states[0][0]);
  }

 private:
  std::function<SequenceOutput<float>(const Var<float>&, const StateList<float>&)> stack_;
  std::shared_ptr<Linear<float>> head_;
};

class AddingTask : public training::Task {
 public:
  AddingTask(const AddingRun& run, std::uint64_t seed)
      : run_(run), net_(run, seed), task_(run.length, seed) {}

  Module<float>& model() override { return net_; }
  Var<float> loss(std::int64_t step) override {
    return loss_on(run_.batch, static_cast<std::uint64_t>(step), run_.window);
  }
  std::size_t tokens_per_step() const override { return run_.batch * run_.length; }
  std::string state_kind() const override { return "lab-adding-state"; }

  double validation_loss() {
    NoGrad no_grad;
    return loss_on(run_.validation_batch, kValidationIndex, 0).item();
  }

 private:
  Var<float> loss_on(std::size_t size, std::uint64_t index, std::size_t window) {
    const auto batch = task_.batch(size, index);
    return mse(net_.predict(batch.inputs, window), Var<float>(batch.targets));
  }

  AddingRun run_;
  AddingNet net_;
  tasks::Adding task_;
};

}  // namespace

std::vector<Row> train_adding(const AddingRun& run, const RunContext& context) {
  AddingTask task(run, context.seed);
  training::TrainerOptions options = run.trainer;
  options.nonfinite = training::NonFinite::Skip;  // returned, not thrown: the run records it
  training::Trainer trainer(task, options);
  std::vector<Row> rows;
  bool diverged = false;
  double loss_sum = 0, largest_norm = 0;
  std::size_t applied = 0;  // steps of the current interval
  for (std::size_t step = 1; step <= run.steps; ++step) {
    if (!diverged) {
      const auto r = trainer.step();
      diverged = !r.applied;
      if (r.applied)
        loss_sum += r.loss, largest_norm = std::max(largest_norm, r.grad_norm), ++applied;
      if (context.stopped()) return rows;
    }
    if (step > run.log_every && step % run.log_every != 0) continue;
    const double val = diverged ? NAN : task.validation_loss();
    rows.push_back({{"step", std::to_string(step)},
                    {"train_loss", number(applied > 0 ? loss_sum / applied : NAN)},
                    {"grad_norm", number(applied > 0 ? largest_norm : NAN)},
                    {"val_loss", number(val)},
                    {"diverged", diverged ? "1" : "0"}});
    loss_sum = largest_norm = 0, applied = 0;
    context.progress(static_cast<double>(step) / static_cast<double>(run.steps),
                     diverged ? "diverged" : fmt::format("step {}  val loss {:.4f}", step, val));
  }
  return rows;
}

}  // namespace unroll::lab
