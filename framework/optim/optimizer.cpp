#include "framework/optim/optimizer.hpp"

#include <fmt/format.h>

#include <cmath>

namespace unroll {

template <class T>
Optimizer<T>::Optimizer(const char* name, NamedParameters<T> parameters, double lr)
    : name_(name), lr_(0.0) {
  for (auto& [pname, p] : parameters) {
    if (!p.defined())
      throw ValueError(fmt::format("{}: parameter '{}' is an empty Var", name_, pname));
    if (!p.is_leaf())
      throw ValueError(fmt::format("{}: parameter '{}' is the result of '{}', not a leaf", name_,
                                   pname, p.op()));
    if (!p.requires_grad())
      throw ValueError(fmt::format("{}: parameter '{}' requires no gradient", name_, pname));
    bool seen = false;  // a shared (tied) parameter is updated once, under its first name
    for (const auto& [qname, q] : parameters_) seen = seen || q.node() == p.node();
    if (!seen) parameters_.emplace_back(std::move(pname), std::move(p));
  }
  set_lr(lr);
}

template <class T>
void Optimizer<T>::set_lr(double lr) {
  check_non_negative("learning rate", lr);
  lr_ = lr;
}

template <class T>
void Optimizer<T>::set_steps(std::int64_t steps) {
  if (steps < 0) throw ValueError(fmt::format("{}: step count {} is negative", name_, steps));
  steps_ = steps;
}

template <class T>
void Optimizer<T>::check_non_negative(const char* what, double value) const {
  if (!(value >= 0.0 && std::isfinite(value)))
    throw ValueError(
        fmt::format("{}: {} {} is not a finite non-negative number", name_, what, value));
}

template <class T>
void Optimizer<T>::check_fraction(const char* what, double value) const {
  if (!(value >= 0.0 && value < 1.0))
    throw ValueError(fmt::format("{}: {} {} is not in [0, 1)", name_, what, value));
}

template <class T>
std::size_t Optimizer<T>::add_state(std::string kind, double initial) {
  states_.push_back({std::move(kind), initial, {}});
  return states_.size() - 1;
}

template <class T>
void Optimizer<T>::create_states() {
  if (states_created_) return;
  for (auto& s : states_) {
    s.buffers.clear();
    for (const auto& [pname, p] : parameters_) {
      Array<T> buffer = Array<T>::from_shape(p.shape());
      buffer.fill(static_cast<T>(s.initial));
      s.buffers.push_back(std::move(buffer));
    }
  }
  states_created_ = true;
}

template <class T>
void Optimizer<T>::step() {
  create_states();
  ++steps_;
  for (std::size_t k = 0; k < parameters_.size(); ++k) {
    Var<T>& p = parameters_[k].second;
    if (!p.has_grad()) continue;
    update(k, p.mutable_value(), p.grad());
  }
}

template <class T>
void Optimizer<T>::zero_grad() {
  for (auto& [pname, p] : parameters_) p.zero_grad();
}

template <class T>
std::vector<std::pair<std::string, Array<T>*>> Optimizer<T>::state_tensors() {
  create_states();
  std::vector<std::pair<std::string, Array<T>*>> named;
  for (auto& s : states_)
    for (std::size_t k = 0; k < parameters_.size(); ++k)
      named.emplace_back(s.kind + "." + parameters_[k].first, &s.buffers[k]);
  return named;
}

template class Optimizer<float>;
template class Optimizer<double>;

}  // namespace unroll
