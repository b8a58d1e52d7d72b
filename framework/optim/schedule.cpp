#include "framework/optim/schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "framework/errors.hpp"

namespace unroll {
namespace {

void check_rate(const char* schedule, const char* what, double value) {
  if (!(value >= 0.0 && std::isfinite(value)))
    throw ValueError(
        fmt::format("{}: {} {} is not a finite non-negative number", schedule, what, value));
}

void check_step(const char* schedule, std::int64_t step) {
  if (step < 0) throw ValueError(fmt::format("{}: step {} is negative", schedule, step));
}

void check_gamma(const char* schedule, double gamma) {
  if (!(gamma > 0.0 && std::isfinite(gamma)))
    throw ValueError(fmt::format("{}: gamma {} is not a finite positive number", schedule, gamma));
}

}  // namespace

void Schedule::load_state(const std::vector<double>& state) {
  if (state.size() != this->state().size())
    throw ValueError(fmt::format("load_state: {} numbers given, the schedule's state has {}",
                                 state.size(), this->state().size()));
}

Constant::Constant(double lr) : lr_(lr) { check_rate("Constant", "lr", lr); }

double Constant::lr(std::int64_t step) const {
  check_step("Constant", step);
  return lr_;
}

StepDecay::StepDecay(double lr, std::int64_t step_size, double gamma)
    : lr_(lr), step_size_(step_size), gamma_(gamma) {
  check_rate("StepDecay", "lr", lr);
  check_gamma("StepDecay", gamma);
  if (step_size < 1)
    throw ValueError(fmt::format("StepDecay: step size {} is not positive", step_size));
}

double StepDecay::lr(std::int64_t step) const {
  check_step("StepDecay", step);
  return lr_ * std::pow(gamma_, static_cast<double>(step / step_size_));
}

ExponentialDecay::ExponentialDecay(double lr, double gamma) : lr_(lr), gamma_(gamma) {
  check_rate("ExponentialDecay", "lr", lr);
  check_gamma("ExponentialDecay", gamma);
}

double ExponentialDecay::lr(std::int64_t step) const {
  check_step("ExponentialDecay", step);
  return lr_ * std::pow(gamma_, static_cast<double>(step));
}

CosineWithWarmup::CosineWithWarmup(double lr, std::int64_t warmup_steps, std::int64_t total_steps,
                                   double min_lr)
    : lr_(lr), warmup_(warmup_steps), total_(total_steps), min_lr_(min_lr) {
  check_rate("CosineWithWarmup", "lr", lr);
  check_rate("CosineWithWarmup", "min_lr", min_lr);
  if (min_lr > lr)
    throw ValueError(fmt::format("CosineWithWarmup: min_lr {} exceeds lr {}", min_lr, lr));
  if (warmup_steps < 0 || total_steps < warmup_steps)
    throw ValueError(
        fmt::format("CosineWithWarmup: need 0 ≤ warmup steps ≤ total steps, got {} and {}",
                    warmup_steps, total_steps));
}

double CosineWithWarmup::lr(std::int64_t step) const {
  check_step("CosineWithWarmup", step);
  if (step < warmup_) return lr_ * static_cast<double>(step) / static_cast<double>(warmup_);
  if (step >= total_) return min_lr_;
  const double progress =
      static_cast<double>(step - warmup_) / static_cast<double>(total_ - warmup_);
  return min_lr_ + (lr_ - min_lr_) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
}

PlateauHalving::PlateauHalving(double lr, std::int64_t patience, double threshold, double min_lr)
    : lr_(lr),
      patience_(patience),
      threshold_(threshold),
      min_lr_(min_lr),
      best_(std::numeric_limits<double>::infinity()) {
  check_rate("PlateauHalving", "lr", lr);
  check_rate("PlateauHalving", "threshold", threshold);
  check_rate("PlateauHalving", "min_lr", min_lr);
  if (patience < 1)
    throw ValueError(fmt::format("PlateauHalving: patience {} is not positive", patience));
}

double PlateauHalving::lr(std::int64_t step) const {
  check_step("PlateauHalving", step);
  return lr_;
}

bool PlateauHalving::observe(double validation_loss) {
  const bool improved = std::isinf(best_) ? validation_loss < best_
                                          : validation_loss < best_ - threshold_ * std::abs(best_);
  if (improved) {
    best_ = validation_loss;
    bad_ = 0;
    return false;
  }
  if (++bad_ < patience_) return false;
  const double previous = lr_;
  lr_ = std::max(lr_ / 2.0, min_lr_);
  bad_ = 0;
  return lr_ < previous;
}

std::vector<double> PlateauHalving::state() const {
  return {lr_, best_, static_cast<double>(bad_)};
}

void PlateauHalving::load_state(const std::vector<double>& state) {
  Schedule::load_state(state);
  check_rate("PlateauHalving", "lr", state[0]);
  lr_ = state[0];
  best_ = state[1];
  bad_ = static_cast<std::int64_t>(state[2]);
}

Warmup::Warmup(std::unique_ptr<Schedule> after, std::int64_t steps)
    : after_(std::move(after)), steps_(steps) {
  if (!after_) throw ValueError("Warmup: no schedule to warm up");
  if (steps < 1) throw ValueError(fmt::format("Warmup: {} warm-up steps is not positive", steps));
}

double Warmup::lr(std::int64_t step) const {
  check_step("Warmup", step);
  const double rate = after_->lr(step);
  return step < steps_ ? rate * static_cast<double>(step) / static_cast<double>(steps_) : rate;
}

}  // namespace unroll
