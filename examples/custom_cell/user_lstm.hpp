// An LSTM written as a user would write it, outside the library: one [4H, F + H] weight over the
// concatenation [x, h]. Same function class as the built-in LSTMCell; the benchmark compares the
// two to show that a user's cell runs as fast as a built-in one (both are just ops).
#pragma once

#include <cmath>

#include "framework/unroll.hpp"
#include "layers/cells/cell.hpp"

template <class T = float>
struct UserLSTMCell : unroll::Module<T> {
  using value_type = T;
  unroll::Var<T> weight, bias;

  explicit UserLSTMCell(const unroll::RecurrentOptions& o)
      : in_(o.input_size()), hidden_(o.hidden_size()) {
    unroll::Rng rng(o.seed());
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
    weight = this->register_parameter("weight",
                                      unroll::uniform<T>({4 * hidden_, in_ + hidden_}, bound, rng));
    bias = this->register_parameter("bias", unroll::uniform<T>({4 * hidden_}, bound, rng));
  }
  std::size_t input_size() const { return in_; }
  std::size_t hidden_size() const { return hidden_; }
  unroll::State<T> initial_state(std::size_t batch) const {
    unroll::Array<T> zeros = unroll::Array<T>::from_shape({batch, hidden_});
    zeros.fill(T(0));
    return {unroll::Var<T>(zeros), unroll::Var<T>(zeros)};
  }
  unroll::State<T> step(const unroll::Var<T>& x, const unroll::State<T>& s) const {
    using namespace unroll;
    auto g = chunk(linear(concat({x, s[0]}, 1), weight, bias), 4, 1);  // i f g o
    auto c = sigmoid(g[1]) * s[1] + sigmoid(g[0]) * tanh(g[2]);
    return {sigmoid(g[3]) * tanh(c), c};
  }

 private:
  std::size_t in_, hidden_;
};
