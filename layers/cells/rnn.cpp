#include "layers/cells/rnn.hpp"

#include "framework/ops/linalg.hpp"
#include "framework/ops/pointwise.hpp"

namespace unroll {

template <class T>
RNNCell<T>::RNNCell(const RecurrentOptions& options)
    : StandardCell<T>("RNNCell", 1, 1, options), nonlinearity_(options.nonlinearity()) {}

template <class T>
State<T> RNNCell<T>::step_projected(const Var<T>& p, const State<T>& state) const {
  this->check_projected(p, state);
  auto q = linear(state[0], this->weight_hh, this->bias_hh);
  if (nonlinearity_ == Nonlinearity::Tanh)
    return {pointwise(
        "rnn_tanh_cell", [](auto a, auto b) { return tanh(a + b); }, p, q)};
  return {pointwise(
      "rnn_relu_cell", [](auto a, auto b) { return relu(a + b); }, p, q)};
}

template class RNNCell<float>;
template class RNNCell<double>;

}  // namespace unroll
