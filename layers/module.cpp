#include "layers/module.hpp"

#include <fmt/format.h>

namespace unroll {

template <class T>
std::vector<typename Module<T>::NamedParameter> Module<T>::named_parameters() const {
  std::vector<NamedParameter> all = parameters_;
  for (const auto& child : children_)
    for (auto& [name, p] : child.module->named_parameters())
      all.emplace_back(child.prefix + name + child.suffix, p);
  return all;
}

template <class T>
std::vector<Var<T>> Module<T>::parameters() const {
  std::vector<Var<T>> all;
  for (auto& [name, p] : named_parameters()) all.push_back(p);
  return all;
}

template <class T>
Var<T> Module<T>::parameter(const std::string& name) const {
  std::string known;
  for (auto& [n, p] : named_parameters()) {
    if (n == name) return p;
    known += (known.empty() ? "" : ", ") + n;
  }
  throw ValueError(fmt::format("parameter: no parameter named '{}' (known: {})", name, known));
}

template <class T>
std::size_t Module<T>::parameter_count() const {
  std::size_t count = 0;
  for (auto& p : parameters()) count += p.size();
  return count;
}

template <class T>
void Module<T>::zero_grad() {
  for (auto& p : parameters()) p.zero_grad();
}

template <class T>
void Module<T>::train(bool on) {
  training_ = on;
  for (auto& child : children_) child.module->train(on);
}

template <class T>
void Module<T>::check_new_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos)
    throw ValueError(fmt::format("register: name '{}' must be non-empty and contain no '.'", name));
  for (auto& [n, p] : parameters_)
    if (n == name) throw ValueError(fmt::format("register: '{}' is already a parameter", name));
  for (auto& c : children_)
    if (!c.prefix.empty() && c.prefix == name + ".")
      throw ValueError(fmt::format("register: '{}' is already a child module", name));
}

template <class T>
Var<T> Module<T>::register_parameter(const std::string& name, Array<T> value) {
  auto p = Var<T>::parameter(std::move(value));
  register_parameter(name, p);
  return p;
}

template <class T>
void Module<T>::register_parameter(const std::string& name, const Var<T>& parameter) {
  check_new_name(name);
  if (!parameter.requires_grad())
    throw ValueError(fmt::format("register: '{}' does not require a gradient", name));
  parameters_.emplace_back(name, parameter);
}

template <class T>
void Module<T>::add_child(const std::string& prefix, const std::string& suffix,
                          std::shared_ptr<Module<T>> child) {
  const std::string name = prefix.empty() ? suffix : prefix.substr(0, prefix.size() - 1);
  if (!prefix.empty()) check_new_name(name);
  if (!child) throw ValueError(fmt::format("register: child module '{}' is null", name));
  children_.push_back({prefix, suffix, std::move(child)});
}

template class Module<float>;
template class Module<double>;

}  // namespace unroll
