/// @file
/// Module: a named collection of parameters and child modules, PyTorch-style.
///
/// A parameter is a Var handle registered under a name; the module's member and the registry share
/// the same node, so an optimizer or a checkpoint loader that writes through the registry changes
/// the member. Names are hierarchical: a child registered as "rnn" contributes "rnn.weight_ih_l0".
///
/// Threads: a module is used by one thread at a time, forward() included — it changes the module
/// (a Recurrent layer's per-step list and dropout generator, the parameters' reference counts).
/// Give each thread its own model and optimizer; framework/tape.hpp says what else is per thread.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "framework/tape.hpp"

namespace unroll {

/// The base of every layer and model: its parameters, its children, its training mode.
template <class T = float>
class Module {
 public:
  using NamedParameter = std::pair<std::string, Var<T>>;  ///< a full name and its parameter

  virtual ~Module() = default;

  /// This module's parameters, then each child's (prefixed "child."), in registration order.
  std::vector<NamedParameter> named_parameters() const;
  std::vector<Var<T>> parameters() const;  ///< the same without the names
  /// The parameter with this full name; ValueError listing the known names when there is none.
  Var<T> parameter(const std::string& name) const;
  std::size_t parameter_count() const;  ///< total number of scalar weights

  void zero_grad();  ///< forget every parameter's gradient
  /// Training mode switches dropout on; eval mode off. Applies to every child.
  void train(bool on = true);
  void eval() { train(false); }                   ///< train(false)
  bool is_training() const { return training_; }  ///< in training mode (the default)

 protected:
  /// Adds a trainable parameter holding `value` under `name`; ValueError for a name that is
  /// empty, holds a '.' or is taken.
  Var<T> register_parameter(const std::string& name, Array<T> value);
  /// Adds a parameter under a name of the caller's choosing (a layer registering a cell's
  /// parameters as "weight_ih_l0", say).
  void register_parameter(const std::string& name, const Var<T>& parameter);
  /// A child whose parameters appear as "name.…"; returns it.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> child) {
    add_child(name + ".", "", child);
    return child;
  }
  /// A child whose parameters appear as this module's own with `suffix` appended: a layer's
  /// cell k contributes "weight_ih" as "weight_ih_l{k}", PyTorch's naming.
  template <class M>
  std::shared_ptr<M> register_flattened(const std::string& suffix, std::shared_ptr<M> child) {
    add_child("", suffix, child);
    return child;
  }

 private:
  struct Child {
    std::string prefix, suffix;
    std::shared_ptr<Module<T>> module;
  };
  void add_child(const std::string& prefix, const std::string& suffix,
                 std::shared_ptr<Module<T>> child);
  void check_new_name(const std::string& name) const;

  std::vector<NamedParameter> parameters_;
  std::vector<Child> children_;
  bool training_ = true;
};

}  // namespace unroll
