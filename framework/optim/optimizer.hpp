/// @file
/// Optimizer: the base of the first-order optimizers (sgd, adam, adamw, adagrad, rmsprop).
///
/// It holds the parameters by name (exactly what Module::named_parameters() returns; a parameter
/// listed twice, as tied weights are, is kept once under its first name), the learning rate and the
/// count of steps taken, and per-parameter state buffers ("exp_avg", ...) that a derived optimizer
/// declares. step() skips every parameter without a gradient (as PyTorch skips p.grad is None) and
/// updates the others in place through Var::mutable_value(). Buffers are created on the first step
/// (or the first state_tensors() call) and reused: a step allocates nothing.
///
/// Checkpoints: state_tensors() names every buffer "<kind>.<parameter name>" ("exp_avg.rnn.
/// weight_ih_l0") so a caller can save or overwrite them; with set_steps() that is the whole state.
/// The step count is the optimizer's, not each parameter's: it differs from PyTorch's per-parameter
/// count only for a parameter that had no gradient on some steps.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "framework/options.hpp"
#include "framework/tape.hpp"

namespace unroll {

/// (name, parameter) pairs, as Module::named_parameters() returns them.
template <class T>
using NamedParameters = std::vector<std::pair<std::string, Var<T>>>;

/// The base of the optimizers (see the top of this file); derived ones implement update().
template <class T = float>
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter that has a gradient; counts one step (also when none has).
  virtual void step();
  /// Forget every parameter's gradient (has_grad() becomes false).
  void zero_grad();

  double lr() const { return lr_; }  ///< the current learning rate
  /// ValueError naming the optimizer when lr is negative or not finite.
  void set_lr(double lr);
  std::int64_t steps() const { return steps_; }  ///< steps taken
  /// For resuming from a checkpoint: the number of steps already taken (≥ 0).
  void set_steps(std::int64_t steps);

  const NamedParameters<T>& parameters() const { return parameters_; }  ///< each once, by name
  /// Every state buffer as ("<kind>.<parameter name>", buffer), kinds in declaration order; the
  /// buffers are created (with their initial values) if no step has created them yet. Writing
  /// into them is how a checkpoint is loaded; the shapes must stay those of the parameters.
  std::vector<std::pair<std::string, Array<T>*>> state_tensors();

 protected:
  /// ValueError naming `name` for an empty, non-leaf or gradient-free parameter, or a bad lr.
  Optimizer(const char* name, NamedParameters<T> parameters, double lr);

  /// Declares a per-parameter buffer `kind`, filled with `initial` when created; returns its id.
  std::size_t add_state(std::string kind, double initial = 0.0);
  /// Buffer `kind` of parameter k (created by then).
  Array<T>& state(std::size_t kind, std::size_t k) { return states_[kind].buffers[k]; }

  /// Updates parameter k, whose gradient is `grad`, in place; steps() already counts this step.
  virtual void update(std::size_t k, Array<T>& value, const Array<T>& grad) = 0;

  /// ValueError "<optimizer>: <what> <value> ..." unless value ≥ 0 (and finite).
  void check_non_negative(const char* what, double value) const;
  /// ValueError "<optimizer>: <what> <value> ..." unless 0 ≤ value < 1.
  void check_fraction(const char* what, double value) const;

 private:
  struct StateKind {
    std::string kind;
    double initial;
    std::vector<Array<T>> buffers;  ///< one per parameter, empty until created
  };
  void create_states();

  const char* name_;
  NamedParameters<T> parameters_;
  std::vector<StateKind> states_;
  bool states_created_ = false;
  double lr_;
  std::int64_t steps_ = 0;
};

}  // namespace unroll
