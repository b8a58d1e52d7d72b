#include "layers/cells/rnn.hpp"

#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"

namespace unroll {

template <class T>
RNNCell<T>::RNNCell(const RecurrentOptions& options)
    : StandardCell<T>("RNNCell", 1, options), nonlinearity_(options.nonlinearity()) {}

template <class T>
State<T> RNNCell<T>::step(const Var<T>& x, const State<T>& state) const {
  this->check_step(x, state, 1);
  auto pre =
      linear(x, this->weight_ih, this->bias_ih) + linear(state[0], this->weight_hh, this->bias_hh);
  return {nonlinearity_ == Nonlinearity::Tanh ? tanh(pre) : relu(pre)};
}

template class RNNCell<float>;
template class RNNCell<double>;

}  // namespace unroll
