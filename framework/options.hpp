/// @file
/// A chainable option with a default, in the PyTorch C++ style: `AdamOptions().lr(2e-3)`,
/// `LSTMOptions(64, 256).layers(2)`. Used inside options classes (optimizers, recurrent layers):
///   UNROLL_OPTION(Options, type, name, default_value)
/// declares `Options& name(type)` (sets, returns *this for chaining) and `type name() const`.
#pragma once

/// Declares option `name` (see above) in a class named `Options`.
#define UNROLL_OPTION(Options, type, name, default_value) \
 public:                                                  \
  Options& name(type value) {                             \
    name##_ = value;                                      \
    return *this;                                         \
  }                                                       \
  type name() const { return name##_; }                   \
                                                          \
 private:                                                 \
  type name##_ = default_value;
