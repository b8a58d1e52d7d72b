#include "layers/cells/gru.hpp"

#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/shape.hpp"

namespace unroll {

template <class T>
GRUCell<T>::GRUCell(const RecurrentOptions& options) : StandardCell<T>("GRUCell", 3, options) {}

template <class T>
State<T> GRUCell<T>::step(const Var<T>& x, const State<T>& state) const {
  this->check_step(x, state, 1);
  const auto& h = state[0];
  auto a = chunk(linear(x, this->weight_ih, this->bias_ih), 3, 1);
  auto b = chunk(linear(h, this->weight_hh, this->bias_hh), 3, 1);
  auto r = sigmoid(a[0] + b[0]);
  auto z = sigmoid(a[1] + b[1]);
  auto n = tanh(a[2] + r * b[2]);
  return {n + z * (h - n)};  // = (1 − z) ⊙ n + z ⊙ h
}

template class GRUCell<float>;
template class GRUCell<double>;

}  // namespace unroll
