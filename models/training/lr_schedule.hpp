// The learning-rate schedule a Trainer follows, chosen by name (framework/optim/schedule.hpp has
// the formulas). lr(t) is the rate of step t + 1 (t steps taken before it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "framework/optim/schedule.hpp"

namespace unroll::training {

struct ScheduleOptions {
  std::string kind = "constant";  // constant | step | cosine | plateau
  // Linear warm-up from 0 over this many steps, before any schedule (0: none).
  std::int64_t warmup = 0;
  std::int64_t step_size = 1000;  // step: multiply the rate by gamma every step_size steps
  double gamma = 0.5;
  // cosine: the step at which the half cosine reaches min_lr (counting the warm-up); required.
  std::int64_t cosine_steps = 0;
  // plateau: halve the rate after this many validations without improvement (relative 1e-4).
  std::int64_t patience = 3;
  double min_lr = 0.0;  // cosine and plateau never go below it

  // ValueError naming the setting and its value.
  void validate() const;
};

struct LrSchedule {
  std::unique_ptr<Schedule> schedule;
  PlateauHalving* plateau = nullptr;  // inside `schedule` when kind is plateau: feed it validations
};

// The schedule `options` describe, starting from rate `lr`.
LrSchedule make_schedule(const ScheduleOptions& options, double lr);

}  // namespace unroll::training
