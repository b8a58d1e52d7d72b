// A user-defined cell: the peephole LSTM (Gers & Schmidhuber, 2000), whose gates also look at
// the cell state. Written with ops only; Recurrent<PeepholeLSTMCell<T>> unrolls, stacks and
// backpropagates it like any built-in cell.
//   [i f g o] = [x, h]·Wᵀ + b                    one [4H, F + H] weight
//   c' = σ(f + p_f ⊙ c) ⊙ c + σ(i + p_i ⊙ c) ⊙ tanh(g)
//   h' = σ(o + p_o ⊙ c') ⊙ tanh(c')
#pragma once

#include <cmath>

#include "framework/unroll.hpp"
#include "layers/cells/cell.hpp"

template <class T = float>
struct PeepholeLSTMCell : unroll::Module<T> {
  using value_type = T;
  unroll::Var<T> weight, bias, peep_i, peep_f, peep_o;

  explicit PeepholeLSTMCell(const unroll::RecurrentOptions& o)
      : in_(o.input_size()), hidden_(o.hidden_size()) {
    unroll::Rng rng(o.seed());
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
    weight = this->register_parameter("weight",
                                      unroll::uniform<T>({4 * hidden_, in_ + hidden_}, bound, rng));
    bias = this->register_parameter("bias", unroll::uniform<T>({4 * hidden_}, bound, rng));
    peep_i = this->register_parameter("peep_i", unroll::uniform<T>({hidden_}, bound, rng));
    peep_f = this->register_parameter("peep_f", unroll::uniform<T>({hidden_}, bound, rng));
    peep_o = this->register_parameter("peep_o", unroll::uniform<T>({hidden_}, bound, rng));
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
    auto g = chunk(linear(concat({x, s[0]}, 1), weight, bias), 4, 1);
    auto c = sigmoid(g[1] + peep_f * s[1]) * s[1] + sigmoid(g[0] + peep_i * s[1]) * tanh(g[2]);
    return {sigmoid(g[3] + peep_o * c) * tanh(c), c};
  }

 private:
  std::size_t in_, hidden_;
};
