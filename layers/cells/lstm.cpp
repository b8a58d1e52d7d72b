#include "layers/cells/lstm.hpp"

#include <xtensor/xview.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/pointwise.hpp"

namespace unroll {

template <class T>
LSTMCell<T>::LSTMCell(const RecurrentOptions& options)
    : StandardCell<T>("LSTMCell", 4, 2, true, options) {
  if (options.forget_bias() != 0.0) {
    const std::size_t h = this->hidden_size();
    xt::view(this->bias_ih.mutable_value(), xt::range(h, 2 * h)) +=
        static_cast<T>(options.forget_bias());
  }
}

template <class T>
State<T> LSTMCell<T>::step_projected(const Var<T>& p, const State<T>& state) const {
  this->check_projected(p, state);
  auto gates = linear(state[0], this->weight_hh, p);  // p + h·W_hhᵀ, [B, 4H] (p holds both biases)
  auto [h, c] = pointwise<2>(
      "lstm_cell",
      [](auto i, auto f, auto g, auto o, auto c) {
        auto c_next = sigmoid(f) * c + sigmoid(i) * tanh(g);
        return std::array{sigmoid(o) * tanh(c_next), c_next};
      },
      parts<4>(gates), state[1]);
  return {h, c};
}

template <class T>
State<T> LSTMCell<T>::gate_activations(const Var<T>& p, const State<T>& state) const {
  this->check_projected(p, state);
  auto gates = linear(state[0], this->weight_hh, p);  // as in step_projected
  auto [i, f, g, o] = pointwise<4>(
      "lstm_gates",
      [](auto i, auto f, auto g, auto o) {
        return std::array{sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)};
      },
      parts<4>(gates));
  return {i, f, g, o};
}

template class LSTMCell<float>;
template class LSTMCell<double>;

}  // namespace unroll
