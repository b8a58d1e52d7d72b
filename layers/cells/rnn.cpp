#include "layers/cells/rnn.hpp"

#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"

namespace unroll {

template <class T>
RNNCell<T>::RNNCell(const RecurrentOptions& options)
    : StandardCell<T>("RNNCell", 1, 1, true, options), nonlinearity_(options.nonlinearity()) {}

template <class T>
State<T> RNNCell<T>::step_projected(const Var<T>& p, const State<T>& state) const {
  this->check_projected(p, state);
  auto pre = linear(state[0], this->weight_hh, p);  // p + h·W_hhᵀ (p holds both biases)
  return {nonlinearity_ == Nonlinearity::Tanh ? tanh(pre) : relu(pre)};
}

template class RNNCell<float>;
template class RNNCell<double>;

}  // namespace unroll
