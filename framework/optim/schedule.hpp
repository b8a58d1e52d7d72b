/// @file
/// Learning-rate schedules: lr(t) for step t, the number of optimizer steps already taken (0 for
/// the first step). In a training loop:
///   optimizer.set_lr(schedule.lr(optimizer.steps()));
///   optimizer.step();
/// A schedule's mutable state is a few numbers (state() / load_state()) for checkpoints; the pure
/// functions of t have none — resuming the optimizer's step count resumes them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace unroll {

/// A learning-rate schedule (see the top of this file).
class Schedule {
 public:
  virtual ~Schedule() = default;
  /// The learning rate for step t ≥ 0 (ValueError for t < 0).
  virtual double lr(std::int64_t step) const = 0;
  /// The mutable state, for a checkpoint (none for a pure function of t).
  virtual std::vector<double> state() const { return {}; }
  /// ValueError when `state` does not have state().size() numbers.
  virtual void load_state(const std::vector<double>& state);
};

/// lr(t) = lr.
class Constant : public Schedule {
 public:
  explicit Constant(double lr);  ///< ValueError unless lr is finite and ≥ 0
  double lr(std::int64_t step) const override;

 private:
  double lr_;
};

/// lr(t) = lr · γ^⌊t / step_size⌋: multiplied by γ every step_size steps (torch StepLR).
class StepDecay : public Schedule {
 public:
  /// ValueError unless lr ≥ 0, γ > 0 (both finite) and step_size ≥ 1.
  StepDecay(double lr, std::int64_t step_size, double gamma);
  double lr(std::int64_t step) const override;

 private:
  double lr_;
  std::int64_t step_size_;
  double gamma_;
};

/// lr(t) = lr · γ^t (torch ExponentialLR).
class ExponentialDecay : public Schedule {
 public:
  ExponentialDecay(double lr, double gamma);  ///< ValueError unless lr ≥ 0, γ > 0, both finite
  double lr(std::int64_t step) const override;

 private:
  double lr_, gamma_;
};

/// Linear warm-up from 0, then a half cosine down to min_lr at total_steps (W = warmup_steps,
/// N = total_steps):
///   t < W:       lr(t) = lr · t / W
///   W ≤ t ≤ N:   lr(t) = min_lr + (lr − min_lr) · (1 + cos(π · (t − W) / (N − W))) / 2
///   t > N:       lr(t) = min_lr
class CosineWithWarmup : public Schedule {
 public:
  /// ValueError unless 0 ≤ min_lr ≤ lr (finite) and 0 ≤ warmup_steps ≤ total_steps.
  CosineWithWarmup(double lr, std::int64_t warmup_steps, std::int64_t total_steps,
                   double min_lr = 0.0);
  double lr(std::int64_t step) const override;

 private:
  double lr_;
  std::int64_t warmup_, total_;
  double min_lr_;
};

/// Halves the learning rate when validation stops improving. Feed it each validation loss:
///   improved ⇔ loss < best − threshold·|best|  (relative threshold; the first always improves)
///   improved:      best ← loss, bad ← 0
///   otherwise:     bad ← bad + 1;  when bad = patience:  lr ← max(lr / 2, min_lr), bad ← 0
/// lr(t) is the current rate, whatever t. PyTorch's ReduceLROnPlateau(factor=0.5, patience=p,
/// threshold_mode='rel', cooldown=0) corresponds to patience p + 1 here.
/// State: (lr, best, bad).
class PlateauHalving : public Schedule {
 public:
  /// ValueError unless lr, threshold and min_lr are finite and ≥ 0, and patience ≥ 1.
  PlateauHalving(double lr, std::int64_t patience, double threshold = 1e-4, double min_lr = 0.0);
  double lr(std::int64_t step) const override;
  /// Records one validation loss; true when it lowered the learning rate.
  bool observe(double validation_loss);

  std::vector<double> state() const override;  ///< (lr, best, bad)
  void load_state(const std::vector<double>& state) override;

 private:
  double lr_;
  std::int64_t patience_;
  double threshold_, min_lr_;
  double best_;
  std::int64_t bad_ = 0;
};

/// A linear warm-up in front of another schedule (W = steps):
///   t < W:   lr(t) = after.lr(t) · t / W
///   t ≥ W:   lr(t) = after.lr(t)
/// Its state is after's. CosineWithWarmup has its own warm-up and needs no wrapper.
class Warmup : public Schedule {
 public:
  /// ValueError when steps < 1 or after is empty.
  Warmup(std::unique_ptr<Schedule> after, std::int64_t steps);
  double lr(std::int64_t step) const override;
  Schedule& after() { return *after_; }  ///< the schedule it warms up

  std::vector<double> state() const override { return after_->state(); }  ///< after's
  void load_state(const std::vector<double>& state) override { after_->load_state(state); }

 private:
  std::unique_ptr<Schedule> after_;
  std::int64_t steps_;
};

}  // namespace unroll
