#include "models/training/trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "framework/distributed/fingerprint.hpp"
#include "framework/optim/adagrad.hpp"
#include "framework/optim/adam.hpp"
#include "framework/optim/clip.hpp"
#include "framework/optim/rmsprop.hpp"
#include "framework/optim/sgd.hpp"
#include "framework/version.hpp"
#include "layers/checkpoint.hpp"
#include "models/training/training_state.hpp"

namespace unroll::training {
namespace {

// "nan", "inf" or "-inf" (fmt would print NaN's sign).
std::string non_finite_name(double x) { return std::isnan(x) ? "nan" : x > 0 ? "inf" : "-inf"; }

std::vector<double> split_numbers(const std::string& s, const std::string& path) {
  std::vector<double> numbers;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    try {
      numbers.push_back(std::stod(part));
    } catch (const std::exception&) {
      throw ValueError(fmt::format(
          "training state '{}': schedule_state '{}' is not a list of numbers", path, s));
    }
  }
  return numbers;
}

// Every setting of `o` that changes the weights, as text.
std::string describe_options(const TrainerOptions& o) {
  const ScheduleOptions& s = o.schedule;
  return fmt::format(
      "{} lr {} clip-norm {} clip-value {} schedule {} warmup {} step {} gamma {} "
      "cosine {} patience {} min-lr {} nonfinite {}",
      o.optimizer, o.lr, o.clip_norm, o.clip_value, s.kind, s.warmup, s.step_size, s.gamma,
      s.cosine_steps, s.patience, s.min_lr, o.nonfinite == NonFinite::Skip ? "skip" : "stop");
}

// The bytes of every array, chained.
std::uint64_t fingerprint_arrays(const std::vector<const Array<float>*>& arrays) {
  std::uint64_t h = distributed::fingerprint(std::string_view{});
  for (const Array<float>* a : arrays)
    h = distributed::fingerprint_of(std::span<const float>(a->data(), a->size()), h);
  return h;
}

}  // namespace

void TrainerOptions::validate() const {
  if (!(lr >= 0.0) || !std::isfinite(lr))
    throw ValueError(fmt::format("learning rate {} must be a non-negative number", lr));
  if (!(clip_norm >= 0.0))
    throw ValueError(fmt::format("clip norm {} must be ≥ 0 (0: off)", clip_norm));
  if (!(clip_value >= 0.0))
    throw ValueError(fmt::format("clip value {} must be ≥ 0 (0: off)", clip_value));
  if (optimizer != "adam" && optimizer != "sgd" && optimizer != "adagrad" && optimizer != "rmsprop")
    throw ValueError(
        fmt::format("optimizer '{}' is not one of adam, sgd, adagrad, rmsprop", optimizer));
  schedule.validate();
}

std::unique_ptr<Optimizer<float>> make_optimizer(const std::string& name,
                                                 const NamedParameters<float>& parameters,
                                                 double lr) {
  if (name == "adam") return std::make_unique<Adam<float>>(parameters, AdamOptions().lr(lr));
  if (name == "sgd") return std::make_unique<SGD<float>>(parameters, SGDOptions(lr));
  if (name == "adagrad")
    return std::make_unique<Adagrad<float>>(parameters, AdagradOptions().lr(lr));
  if (name == "rmsprop")
    return std::make_unique<RMSprop<float>>(parameters, RMSpropOptions().lr(lr).alpha(0.95));
  throw ValueError(fmt::format("optimizer '{}' is not one of adam, sgd, adagrad, rmsprop", name));
}

Trainer::Trainer(Task& task, const TrainerOptions& options)
    : task_(task),
      options_((options.validate(), options)),
      optimizer_(make_optimizer(options.optimizer, task.model().named_parameters(), options.lr)),
      schedule_(make_schedule(options.schedule, options.lr)),
      parameters_(task.model().parameters()),
      averager_(task.communicator(), parameters_) {
  check_ranks();
}

void Trainer::check_ranks() const {
  distributed::Communicator& ranks = task_.communicator();
  if (ranks.size() == 1) return;
  if (!task_.shards_batch())
    throw distributed::CollectiveError(fmt::format(
        "{}: this program trains on one process only, and was started on {}; run it without "
        "mpirun (or with -np 1)",
        task_.state_kind(), ranks.size()));
  std::vector<distributed::Fingerprint> items = task_.fingerprints();
  items.push_back({"training options", distributed::fingerprint(describe_options(options_))});
  std::vector<const Array<float>*> weights;
  for (const auto& p : parameters_) weights.push_back(&p.value());
  items.push_back({"weights", fingerprint_arrays(weights)});
  ranks.require_agreement(items);
}

StepResult Trainer::step() {
  optimizer_->set_lr(schedule_.schedule->lr(steps_));
  Var<float> loss = task_.loss(steps_);
  optimizer_->zero_grad();
  loss.backward();
  StepResult result{averager_.average(loss.item()), 0.0, optimizer_->lr(), true};
  result.allreduce_s = averager_.last_seconds();
  result.grad_norm =
      clip_grad_norm(parameters_, options_.clip_norm > 0 ? options_.clip_norm : INFINITY);
  result.applied = std::isfinite(result.loss) && std::isfinite(result.grad_norm);
  task_.finish_step(result.applied);
  loss = Var<float>();
  tape<float>().reset();
  if (!result.applied) {
    optimizer_->zero_grad();
    if (options_.nonfinite == NonFinite::Stop)
      throw NonFiniteError(fmt::format(
          "step {}: the {} is {} (non-finite); it was not applied and training stopped", steps_ + 1,
          std::isfinite(result.loss) ? "gradient norm" : "loss",
          non_finite_name(std::isfinite(result.loss) ? result.grad_norm : result.loss)));
    ++steps_, ++skipped_;
    return result;
  }
  if (options_.clip_value > 0) clip_grad_value(parameters_, options_.clip_value);
  optimizer_->step();
  ++steps_;
  return result;
}

bool Trainer::record_validation(double loss, bool on_cadence) {
  if (on_cadence && schedule_.plateau) schedule_.plateau->observe(loss);
  if (best_ && !(loss < *best_)) return false;
  best_ = loss;
  return true;
}

void Trainer::save(const std::string& checkpoint) const {
  const auto step = std::to_string(steps_);
  io::SafetensorsFile state;
  for (auto& [name, buffer] : optimizer_->state_tensors()) state.add("optim." + name, *buffer);
  task_.save_state(state);
  state.metadata.insert({{"kind", task_.state_kind()},
                         {"step", step},
                         {"skipped", std::to_string(skipped_)},
                         {"optimizer", options_.optimizer},
                         {"lr", fmt::format("{}", optimizer_->lr())},
                         {"lr_schedule", options_.schedule.kind}});
  if (const auto numbers = schedule_.schedule->state(); !numbers.empty())
    state.metadata["schedule_state"] = fmt::format("{}", fmt::join(numbers, ","));
  if (best_) state.metadata["best_val_loss"] = fmt::format("{}", *best_);
  if (!task_.communicator().is_root()) return;
  // The state first, the weights last: a weights file is never newer than its state.
  io::write_safetensors(training_state_path(checkpoint), state);
  save_parameters(task_.model(), checkpoint, weights_metadata());
}

void Trainer::save_best(const std::string& path, double val_loss) const {
  if (!task_.communicator().is_root()) return;
  auto metadata = weights_metadata();
  metadata["val_loss"] = fmt::format("{}", val_loss);
  save_parameters(task_.model(), path, metadata);
}

std::map<std::string, std::string> Trainer::weights_metadata() const {
  auto metadata = task_.checkpoint_metadata();
  metadata["step"] = std::to_string(steps_);
  metadata["unroll_version"] = std::string(version());
  return metadata;
}

void Trainer::load_state(const std::string& checkpoint) {
  const std::string path = training_state_path(checkpoint);
  const io::SafetensorsFile weights = io::read_safetensors(checkpoint);
  const io::SafetensorsFile state = io::read_safetensors(path);
  const auto& m = state.metadata;
  if (m.count("kind") == 0 || m.at("kind") != task_.state_kind()) {
    std::string kind = task_.state_kind();
    std::replace(kind.begin(), kind.end(), '-', ' ');
    throw ValueError(fmt::format("'{}' is not a {}", path, kind));
  }
  const std::uint64_t step = read_count(state, "step", path);
  if (weights.metadata.count("step") == 0 || weights.metadata.at("step") != std::to_string(step))
    throw ValueError(
        fmt::format("training state '{}' is for step {}, but the checkpoint '{}' is "
                    "at step {}",
                    path, step, checkpoint,
                    weights.metadata.count("step") ? weights.metadata.at("step") : "?"));
  const std::uint64_t skipped = m.count("skipped") ? read_count(state, "skipped", path) : 0;
  if (skipped > step)
    throw ValueError(
        fmt::format("training state '{}': {} skipped of {} steps", path, skipped, step));
  require_setting(state, path, "optimizer", options_.optimizer);
  require_setting(state, path, "lr_schedule", options_.schedule.kind, "constant");
  task_.load_state(state, path);
  for (auto& [name, buffer] : optimizer_->state_tensors()) {
    const Array<float> value = state.at("optim." + name).as<float>();
    if (value.shape() != buffer->shape())
      throw ShapeError(fmt::format("training state '{}': optim.{} is {}, the model needs {}", path,
                                   name, shape_str(value.shape()), shape_str(buffer->shape())));
    *buffer = value;
  }
  optimizer_->set_steps(static_cast<std::int64_t>(step - skipped));
  optimizer_->set_lr(read_number(state, "lr", path));
  schedule_.schedule->load_state(m.count("schedule_state")
                                     ? split_numbers(m.at("schedule_state"), path)
                                     : std::vector<double>{});
  steps_ = static_cast<std::int64_t>(step);
  skipped_ = static_cast<std::int64_t>(skipped);
  best_.reset();
  if (m.count("best_val_loss")) best_ = read_number(state, "best_val_loss", path);
  if (task_.communicator().size() > 1) {
    std::vector<const Array<float>*> moments;
    for (auto& [name, buffer] : optimizer_->state_tensors()) moments.push_back(buffer);
    task_.communicator().require_agreement(
        {{"training state", fingerprint_arrays(moments) ^ step}});
  }
}

}  // namespace unroll::training
