// A user's cell: an LSTM with layer normalization (after Ba, Kiros & Hinton 2016), written with
// ops and the library's LayerNorm; Recurrent<LNLSTMCell<T>> runs it like a built-in cell.
//   [i f g o] = LN_gates([x, h]·Wᵀ)          one [4H, F + H] weight; LN's shift is the gates' bias
//   c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g),  h' = σ(o) ⊙ tanh(LN_cell(c'))
// (Ba et al. normalize x·W_xᵀ and h·W_hᵀ separately; one LN over their sum is the simpler kind.)
#pragma once

#include <cmath>
#include <memory>

#include "framework/unroll.hpp"
#include "layers/cells/cell.hpp"
#include "layers/layer_norm.hpp"

template <class T = double>
struct LNLSTMCell : unroll::Module<T> {
  using value_type = T;
  unroll::Var<T> weight;
  std::shared_ptr<unroll::LayerNorm<T>> ln_gates, ln_cell;

  explicit LNLSTMCell(const unroll::RecurrentOptions& o)
      : in_(o.input_size()), hidden_(o.hidden_size()) {
    unroll::Rng rng(o.seed());
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
    weight = this->register_parameter("weight",
                                      unroll::uniform<T>({4 * hidden_, in_ + hidden_}, bound, rng));
    ln_gates =
        this->register_module("ln_gates", std::make_shared<unroll::LayerNorm<T>>(4 * hidden_));
    ln_cell = this->register_module("ln_cell", std::make_shared<unroll::LayerNorm<T>>(hidden_));
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
    auto g = chunk(ln_gates->forward(linear(concat({x, s[0]}, 1), weight)), 4, 1);
    auto c = sigmoid(g[1]) * s[1] + sigmoid(g[0]) * tanh(g[2]);
    return {sigmoid(g[3]) * tanh(ln_cell->forward(c)), c};
  }

 private:
  std::size_t in_, hidden_;
};
