#include "lab/experiments/long_range_task.hpp"

#include <fmt/format.h>

#include "framework/ops/nn.hpp"
#include "framework/ops/shape.hpp"
#include "lab/state_gradients.hpp"
#include "models/tasks/adding.hpp"
#include "models/tasks/copy_memory.hpp"
#include "models/training/trainer.hpp"

namespace unroll::lab {
namespace {

constexpr std::uint64_t kTestSeed = 0x7e57;  // the test batches' generator seed, never trained on
constexpr std::size_t kSymbols = tasks::CopyMemory::kDataSymbols + 2;  // copy memory's ids

// One task at one length as the Trainer sees it, and its test.
class LengthTask : public training::Task {
 public:
  LengthTask(const LongRangeSpec& spec, const std::string& task, std::size_t T, std::size_t batch,
             std::uint64_t seed)
      : adding_(task == "adding"),
        batch_(batch),
        seed_(seed),
        model_(spec, adding_ ? 2 : kSymbols, adding_ ? 1 : kSymbols, seed),
        T_(T) {
    if (task != "adding" && task != "copy")
      throw ValueError(fmt::format("long-range: task '{}' is not adding or copy", task));
  }

  Module<float>& model() override { return model_; }
  std::size_t tokens_per_step() const override { return batch_; }
  std::string state_kind() const override { return "long-range-training-state"; }
  Var<float> loss(std::int64_t step) override {
    return loss_of(draw(seed_, batch_, static_cast<std::uint64_t>(step))).first;
  }

  // The test batch's MSE (adding) or recall accuracy (copy).
  double test(std::size_t rows) {
    NoGrad no_grad;
    const double metric = loss_of(draw(kTestSeed, rows, 0)).second;
    tape<float>().reset();
    return metric;
  }

 private:
  tasks::SequenceBatch draw(std::uint64_t seed, std::size_t rows, std::uint64_t index) const {
    return adding_ ? tasks::Adding(T_, seed).batch(rows, index)
                   : tasks::CopyMemory(T_, seed).batch(rows, index);
  }
  // The loss and the metric of one batch.
  std::pair<Var<float>, double> loss_of(const tasks::SequenceBatch& b) const {
    if (adding_) {
      Var<float> loss = mse(model_.forward(Var<float>(b.inputs), true).y, Var<float>(b.targets));
      return {loss, loss.item()};
    }
    const tasks::CopyMemory copy(T_, 0);
    const Var<float> logits =
        model_.forward(one_hot<float>(b.input_ids, copy.vocabulary()), false).y;  // [B, L, 10]
    return {cross_entropy(logits, b.target_ids), copy.recall_accuracy(logits, b.target_ids)};
  }

  bool adding_;
  std::size_t batch_;
  std::uint64_t seed_;
  LongRangeModel model_;
  std::size_t T_;
};

}  // namespace

double adding_threshold() { return 0.05; }
double copy_threshold() { return 0.9; }

SolveResult train_to_solve(const LongRangeSpec& spec, const std::string& task, std::size_t T,
                           const SolveBudget& budget, std::uint64_t seed,
                           const std::function<bool()>& stopped,
                           const std::function<void(std::size_t, double)>& progress) {
  LengthTask length_task(spec, task, T, budget.batch, seed);
  training::TrainerOptions options;
  options.lr = budget.lr;
  options.clip_norm = budget.clip_norm;
  training::Trainer trainer(length_task, options);
  const bool adding = task == "adding";
  auto solved = [&](double metric) {
    return adding ? metric < adding_threshold() * tasks::Adding::baseline_mse()
                  : metric >= copy_threshold();
  };
  SolveResult r;
  while (r.steps < budget.max_steps) {
    try {
      trainer.step();
    } catch (const training::NonFiniteError&) {
      r.diverged = true;
      break;
    }
    ++r.steps;
    if (stopped()) return r.stopped = true, r;
    if (r.steps % budget.eval_every != 0 && r.steps != budget.max_steps) continue;
    r.metric = length_task.test(budget.test_batch);
    progress(r.steps, r.metric);
    if ((r.solved = solved(r.metric))) break;
  }
  if (r.diverged) r.metric = NAN;
  return r;
}

std::vector<double> adding_state_gradients(const LongRangeSpec& spec, std::size_t T,
                                           std::size_t batch, std::uint64_t seed) {
  const LongRangeModel model(spec, 2, 1, seed);
  const tasks::SequenceBatch b = tasks::Adding(T, kTestSeed).batch(batch, 0);
  auto out = model.forward(Var<float>(b.inputs), true, {.keep_states = true});
  const auto hs = retain_step_states(out.seq);
  mse(out.y, Var<float>(b.targets)).backward();
  std::vector<double> g = gradient_by_distance(hs);
  tape<float>().reset();
  return g;
}

}  // namespace unroll::lab
