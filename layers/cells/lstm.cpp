#include "layers/cells/lstm.hpp"

#include <xtensor/xview.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/shape.hpp"

namespace unroll {

template <class T>
LSTMCell<T>::LSTMCell(const RecurrentOptions& options) : StandardCell<T>("LSTMCell", 4, options) {
  if (options.forget_bias() != 0.0) {
    const std::size_t h = this->hidden_size();
    xt::view(this->bias_ih.mutable_value(), xt::range(h, 2 * h)) +=
        static_cast<T>(options.forget_bias());
  }
}

template <class T>
State<T> LSTMCell<T>::step(const Var<T>& x, const State<T>& state) const {
  this->check_step(x, state, 2);
  auto gates =
      linear(x, this->weight_ih, this->bias_ih) + linear(state[0], this->weight_hh, this->bias_hh);
  auto ifgo = chunk(gates, 4, 1);
  auto c = sigmoid(ifgo[1]) * state[1] + sigmoid(ifgo[0]) * tanh(ifgo[2]);
  auto h = sigmoid(ifgo[3]) * tanh(c);
  return {h, c};
}

template class LSTMCell<float>;
template class LSTMCell<double>;

}  // namespace unroll
