#include "models/training/lr_schedule.hpp"

#include <fmt/format.h>

#include <cmath>

#include "framework/errors.hpp"

namespace unroll::training {

void ScheduleOptions::validate() const {
  if (kind != "constant" && kind != "step" && kind != "cosine" && kind != "plateau")
    throw ValueError(
        fmt::format("lr schedule '{}' is not one of constant, step, cosine, plateau", kind));
  if (warmup < 0) throw ValueError(fmt::format("warm-up steps {} must be ≥ 0", warmup));
  if (kind == "step" && step_size < 1)
    throw ValueError(fmt::format("step schedule: step size {} must be ≥ 1", step_size));
  if (kind == "step" && !(gamma > 0 && std::isfinite(gamma)))
    throw ValueError(fmt::format("step schedule: gamma {} must be a positive number", gamma));
  if (kind == "cosine" && cosine_steps <= warmup)
    throw ValueError(fmt::format(
        "cosine schedule: its length {} must exceed the warm-up {} (give the number of steps)",
        cosine_steps, warmup));
  if (kind == "plateau" && patience < 1)
    throw ValueError(fmt::format("plateau schedule: patience {} must be ≥ 1", patience));
  if (!(min_lr >= 0 && std::isfinite(min_lr)))
    throw ValueError(fmt::format("minimum learning rate {} must be ≥ 0", min_lr));
}

LrSchedule make_schedule(const ScheduleOptions& options, double lr) {
  options.validate();
  if (options.kind == "cosine")
    return {std::make_unique<CosineWithWarmup>(lr, options.warmup, options.cosine_steps,
                                               std::min(options.min_lr, lr))};
  LrSchedule made;
  if (options.kind == "step") {
    made.schedule = std::make_unique<StepDecay>(lr, options.step_size, options.gamma);
  } else if (options.kind == "plateau") {
    auto plateau = std::make_unique<PlateauHalving>(lr, options.patience, 1e-4, options.min_lr);
    made.plateau = plateau.get();
    made.schedule = std::move(plateau);
  } else {
    made.schedule = std::make_unique<Constant>(lr);
  }
  if (options.warmup > 0)
    made.schedule = std::make_unique<Warmup>(std::move(made.schedule), options.warmup);
  return made;
}

}  // namespace unroll::training
