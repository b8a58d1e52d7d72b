#include "models/char_lm/trainer.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "framework/optim/adagrad.hpp"
#include "framework/optim/adam.hpp"
#include "framework/optim/clip.hpp"
#include "framework/optim/rmsprop.hpp"
#include "framework/optim/sgd.hpp"
#include "layers/checkpoint.hpp"

namespace unroll {
namespace {

const char* kStateKind = "charlm-training-state";

std::string windows_name(bool random_windows) { return random_windows ? "random" : "stream"; }

std::string carried_name(std::size_t layer, std::size_t part) {
  return fmt::format("carry.l{}.p{}", layer, part);
}

std::uint64_t parse_count(const std::map<std::string, std::string>& m, const std::string& key,
                          const std::string& path) {
  auto it = m.find(key);
  if (it == m.end())
    throw ValueError(fmt::format("training state '{}': key '{}' is missing", path, key));
  try {
    return std::stoull(it->second);
  } catch (const std::exception&) {
    throw ValueError(
        fmt::format("training state '{}': '{}' = '{}' is not a number", path, key, it->second));
  }
}

}  // namespace

void TrainOptions::validate() const {
  if (seq == 0) throw ValueError("sequence length must be at least 1");
  if (batch == 0) throw ValueError("batch size must be at least 1");
  if (!(lr >= 0.0) || !std::isfinite(lr))
    throw ValueError(fmt::format("learning rate {} must be a non-negative number", lr));
  if (!(clip_norm >= 0.0))
    throw ValueError(fmt::format("clip norm {} must be ≥ 0 (0: off)", clip_norm));
  if (!(clip_value >= 0.0))
    throw ValueError(fmt::format("clip value {} must be ≥ 0 (0: off)", clip_value));
  if (optimizer != "adam" && optimizer != "sgd" && optimizer != "adagrad" && optimizer != "rmsprop")
    throw ValueError(
        fmt::format("optimizer '{}' is not one of adam, sgd, adagrad, rmsprop", optimizer));
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

std::string training_state_path(const std::string& checkpoint) {
  const std::string ext = ".safetensors";
  const bool has_ext = checkpoint.size() > ext.size() &&
                       checkpoint.compare(checkpoint.size() - ext.size(), ext.size(), ext) == 0;
  return (has_ext ? checkpoint.substr(0, checkpoint.size() - ext.size()) : checkpoint) +
         ".train.safetensors";
}

Trainer::Trainer(CharLM<float>& model, std::vector<std::int64_t> train_ids,
                 const TrainOptions& options)
    : model_(model),
      options_((options.validate(), options)),
      batches_(std::move(train_ids), options.batch, options.seq, options.random_offsets,
               options.seed),
      optimizer_(make_optimizer(options.optimizer, model.named_parameters(), options.lr)),
      parameters_(model.parameters()) {}

StepResult Trainer::step() {
  Batch& batch = batch_;  // reused: its arrays keep their memory from step to step
  if (options_.random_windows)
    batches_.random_windows(static_cast<std::uint64_t>(steps_done()), batch);
  else
    batches_.next(batch);
  if (batch.starts_epoch) carried_.clear();  // every stream starts over
  model_.train();
  auto out = model_.forward(batch.inputs, carried_);
  Var<float> loss = model_.loss(out.output, batch.targets);
  optimizer_->zero_grad();
  loss.backward();
  carried_.clear();
  for (auto& state : out.final_states) {
    State<float> detached;
    for (auto& part : state) detached.push_back(detach(part));
    carried_.push_back(std::move(detached));
  }
  StepResult result{loss.item(), 0.0};
  result.grad_norm =
      clip_grad_norm(parameters_, options_.clip_norm > 0 ? options_.clip_norm : INFINITY);
  if (options_.clip_value > 0) clip_grad_value(parameters_, options_.clip_value);
  out = SequenceOutput<float>();
  loss = Var<float>();
  tape<float>().reset();
  optimizer_->step();
  return result;
}

void Trainer::save(const std::string& checkpoint) const {
  const auto step = std::to_string(optimizer_->steps());
  io::SafetensorsFile state;
  for (auto& [name, buffer] : optimizer_->state_tensors()) state.add("optim." + name, *buffer);
  for (std::size_t l = 0; l < carried_.size(); ++l)
    for (std::size_t p = 0; p < carried_[l].size(); ++p)
      state.add(carried_name(l, p), carried_[l][p].value());
  std::ostringstream rng;
  rng << model_.dropout_rng();
  const auto position = batches_.position();
  state.metadata = {{"kind", kStateKind},
                    {"step", step},
                    {"optimizer", options_.optimizer},
                    {"lr", fmt::format("{}", optimizer_->lr())},
                    {"epoch", std::to_string(position.epoch)},
                    {"window", std::to_string(position.window)},
                    {"batch", std::to_string(options_.batch)},
                    {"seq", std::to_string(options_.seq)},
                    {"windows", windows_name(options_.random_windows)},
                    {"dropout_rng", rng.str()}};
  // The state first, the weights last: a weights file is never newer than its state.
  io::write_safetensors(training_state_path(checkpoint), state);
  auto metadata = model_.config().to_metadata();
  metadata["step"] = step;
  save_parameters(model_, checkpoint, metadata);
}

void Trainer::load_state(const std::string& checkpoint) {
  const std::string path = training_state_path(checkpoint);
  const io::SafetensorsFile weights = io::read_safetensors(checkpoint);
  const io::SafetensorsFile state = io::read_safetensors(path);
  const auto& m = state.metadata;
  if (m.count("kind") == 0 || m.at("kind") != kStateKind)
    throw ValueError(fmt::format("'{}' is not a charlm training state", path));
  const std::uint64_t step = parse_count(m, "step", path);
  if (weights.metadata.count("step") == 0 || weights.metadata.at("step") != std::to_string(step))
    throw ValueError(
        fmt::format("training state '{}' is for step {}, but the checkpoint '{}' is "
                    "at step {}",
                    path, step, checkpoint,
                    weights.metadata.count("step") ? weights.metadata.at("step") : "?"));
  auto made_with = m;  // states written before --windows existed were all stream-mode
  made_with.emplace("windows", "stream");
  const std::pair<const char*, std::string> settings[] = {
      {"optimizer", options_.optimizer},
      {"batch", std::to_string(options_.batch)},
      {"seq", std::to_string(options_.seq)},
      {"windows", windows_name(options_.random_windows)}};
  for (const auto& [key, expected] : settings) {
    if (made_with.count(key) == 0 || made_with.at(key) != expected)
      throw ValueError(
          fmt::format("training state '{}' was made with {} {}; this run uses {} — "
                      "resume with the same settings",
                      path, key, made_with.count(key) ? made_with.at(key) : "?", expected));
  }
  for (auto& [name, buffer] : optimizer_->state_tensors()) {
    const Array<float> value = state.at("optim." + name).as<float>();
    if (value.shape() != buffer->shape())
      throw ShapeError(fmt::format("training state '{}': optim.{} is {}, the model needs {}", path,
                                   name, shape_str(value.shape()), shape_str(buffer->shape())));
    *buffer = value;
  }
  optimizer_->set_steps(static_cast<std::int64_t>(step));
  optimizer_->set_lr(std::stod(m.at("lr")));
  batches_.seek({parse_count(m, "epoch", path), parse_count(m, "window", path)});
  carried_.clear();
  for (std::size_t l = 0; state.tensors.count(carried_name(l, 0)); ++l) {
    State<float> s;
    for (std::size_t p = 0; state.tensors.count(carried_name(l, p)); ++p)
      s.emplace_back(state.at(carried_name(l, p)).as<float>());
    carried_.push_back(std::move(s));
  }
  std::istringstream rng(m.count("dropout_rng") ? m.at("dropout_rng") : "");
  rng >> model_.dropout_rng();
  if (!rng) throw ValueError(fmt::format("training state '{}': dropout_rng is malformed", path));
}

}  // namespace unroll
