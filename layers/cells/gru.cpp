#include "layers/cells/gru.hpp"

#include "framework/ops/linalg.hpp"
#include "framework/ops/pointwise.hpp"

namespace unroll {

template <class T>
GRUCell<T>::GRUCell(const RecurrentOptions& options)
    : StandardCell<T>("GRUCell", 3, 1, false, options) {}

template <class T>
State<T> GRUCell<T>::step_projected(const Var<T>& p, const State<T>& state) const {
  this->check_projected(p, state);
  const auto& h = state[0];
  auto q = linear(h, this->weight_hh, this->bias_hh);  // [b_r b_z b_n], [B, 3H]
  return {pointwise(
      "gru_cell",
      [](auto a_r, auto a_z, auto a_n, auto b_r, auto b_z, auto b_n, auto h) {
        auto r = sigmoid(a_r + b_r);
        auto z = sigmoid(a_z + b_z);
        auto n = tanh(a_n + r * b_n);
        return n + z * (h - n);  // = (1 − z) ⊙ n + z ⊙ h
      },
      parts<3>(p), parts<3>(q), h)};
}

template <class T>
State<T> GRUCell<T>::gate_activations(const Var<T>& p, const State<T>& state) const {
  this->check_projected(p, state);
  auto q = linear(state[0], this->weight_hh, this->bias_hh);  // as in step_projected
  auto [r, z, n] = pointwise<3>(
      "gru_gates",
      [](auto a_r, auto a_z, auto a_n, auto b_r, auto b_z, auto b_n) {
        auto r = sigmoid(a_r + b_r);
        return std::array{r, sigmoid(a_z + b_z), tanh(a_n + r * b_n)};
      },
      parts<3>(p), parts<3>(q));
  return {r, z, n};
}

template class GRUCell<float>;
template class GRUCell<double>;

}  // namespace unroll
