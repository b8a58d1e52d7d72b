#include "models/training/loop.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <span>
#include <vector>

#include "framework/distributed/fingerprint.hpp"
#include "models/training/interrupt.hpp"
#include "models/training/metrics_log.hpp"
#include "models/training/progress.hpp"
#include "models/training/training_state.hpp"

namespace unroll::training {
namespace {

void check(const LoopOptions& o, const Task& task) {
  if (o.checkpoint.empty()) throw ValueError("training loop: no checkpoint path to save to");
  if (o.eval_every < 1)
    throw ValueError(fmt::format("training loop: validation every {} steps", o.eval_every));
  if (o.keep_best && !task.has_validation())
    throw ValueError("keep-best needs validation data, and this run has none");
}

// Rank 0's validation on every rank: keep-best and the plateau schedule then decide alike even
// where the ranks' own validations differ in rounding (different thread counts).
void adopt_root_validation(Validation& validation, distributed::Communicator& ranks) {
  if (ranks.size() == 1) return;
  std::vector<double> values{validation.loss};
  values.insert(values.end(), validation.metrics.begin(), validation.metrics.end());
  ranks.broadcast(std::as_writable_bytes(std::span<double>(values)));
  validation.loss = values[0];
  std::copy(values.begin() + 1, values.end(), validation.metrics.begin());
}

}  // namespace

LoopResult run_training(Trainer& trainer, const LoopOptions& o) {
  Task& task = trainer.task();
  check(o, task);
  distributed::Communicator& ranks = task.communicator();
  const bool root = ranks.is_root();  // the only rank that logs and reports
  // Every rank must take the same steps and validate at the same ones (each is collective).
  if (ranks.size() > 1)
    ranks.require_agreement(
        {{"loop settings (--steps, --epochs, --eval-every, the step resumed from)",
          distributed::fingerprint(fmt::format("steps {} eval-every {} from {}", o.max_steps,
                                               o.eval_every, trainer.steps_done()))}});
  const bool skipping = trainer.options().nonfinite == NonFinite::Skip;
  MetricsLog log(root ? o.log : "", skipping, ranks.size() > 1, task.metric_names(),
                 trainer.steps_done() > 0);
  Progress progress(o.out, o.piped_report_every, ranks.size() == 1);
  const InterruptFlag interrupt;
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // Whether to stop, the same on every rank: rank 0's clock decides the time budget, and a
  // SIGINT delivered to any rank stops them all (one small allreduce per step on several ranks;
  // under mpirun, Ctrl-C ends the job instead).
  struct Stop {
    bool out_of_time = false, interrupted = false;
  };
  auto agree = [&] {
    double flags[2] = {root && o.max_seconds > 0 && elapsed() >= o.max_seconds ? 1.0 : 0.0,
                       interrupt.raised() ? 1.0 : 0.0};
    ranks.allreduce_sum(flags);
    return Stop{flags[0] > 0, flags[1] > 0};
  };
  const bool bounded = o.max_steps != std::numeric_limits<std::int64_t>::max();
  const std::int64_t first = trainer.steps_done();
  std::optional<Validation> last;
  LoopResult result;
  Stop stop = agree();
  while (trainer.steps_done() < o.max_steps && !stop.out_of_time && !stop.interrupted) {
    StepResult r;
    if (o.threads) o.threads->before_step();
    const double step_start = elapsed();
    try {
      r = trainer.step();
    } catch (const NonFiniteError&) {
      if (root) progress.finish();
      throw;
    }
    if (o.threads) o.threads->after_step(elapsed() - step_start);
    const std::int64_t step = trainer.steps_done();
    stop = agree();
    const double t = elapsed();
    const double tokens_per_s =
        static_cast<double>((step - first) * static_cast<std::int64_t>(task.tokens_per_step())) /
        std::max(t, 1e-9);
    const bool final_step = step == o.max_steps || stop.out_of_time;
    const bool on_cadence = step % o.eval_every == 0;
    if (task.has_validation() && (on_cadence || final_step)) {
      last = task.validate();
      adopt_root_validation(*last, ranks);
      if (trainer.record_validation(last->loss, on_cadence) && o.keep_best)
        trainer.save_best(best_checkpoint_path(o.checkpoint), last->loss);
    }
    if (!root) continue;
    log.write({step, t, r.loss, last ? &*last : nullptr, r.grad_norm, r.lr, tokens_per_s,
               trainer.skipped(), r.allreduce_s});
    double remaining = o.max_seconds > 0 ? o.max_seconds - t : 0;
    if (bounded)
      remaining = std::max(remaining, t / static_cast<double>(step - first) *
                                          static_cast<double>(o.max_steps - step));
    progress.update(
        {step, bounded ? o.max_steps : 0, r.loss, last ? task.describe(*last) : "-", tokens_per_s,
         r.grad_norm, remaining, trainer.skipped(), o.threads ? o.threads->describe() : ""},
        final_step);
    if (o.report_every > 0 && o.report && step % o.report_every == 0) progress.note(o.report(step));
  }
  result.interrupted = stop.interrupted;
  if (root) progress.finish();
  trainer.save(o.checkpoint);
  result.steps = trainer.steps_done();
  result.skipped = trainer.skipped();
  result.seconds = elapsed();
  if (last) result.last_validation = last->loss;
  if (!root) return result;
  const std::string skipped = trainer.options().nonfinite == NonFinite::Skip
                                  ? fmt::format(", {} skipped as non-finite", result.skipped)
                                  : "";
  fmt::print(o.out, "{}saved {} after {} steps{} ({:.1f} s)\n",
             result.interrupted ? "interrupted: " : "", o.checkpoint, result.steps, skipped,
             result.seconds);
  std::fflush(o.out);
  return result;
}

}  // namespace unroll::training
