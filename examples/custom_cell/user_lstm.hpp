// An LSTM written as a user would write it, outside the library, with the tools any cell has:
// ops, `pointwise` for the gate math (one fused node, backward derived automatically) and the
// ProjectingCell split, so Recurrent projects x for all time steps with one GEMM. Its weights
// differ in layout from the built-in LSTMCell (one bias; input and recurrent weights named
// w_x, w_h), its function is the same. charlm_bench --custom compares the two: a user's cell
// runs as fast as a built-in one, because the built-ins use nothing else.
#pragma once

#include <array>
#include <cmath>

#include "framework/unroll.hpp"
#include "layers/cells/cell.hpp"

template <class T = float>
struct UserLSTMCell : unroll::Module<T> {
  using value_type = T;
  unroll::Var<T> w_x, w_h, bias;  // [4H, F], [4H, H], [4H]; gate blocks i, f, g, o

  explicit UserLSTMCell(const unroll::RecurrentOptions& o)
      : in_(o.input_size()), hidden_(o.hidden_size()) {
    unroll::Rng rng(o.seed());
    const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
    w_x = this->register_parameter("w_x", unroll::uniform<T>({4 * hidden_, in_}, bound, rng));
    w_h = this->register_parameter("w_h", unroll::uniform<T>({4 * hidden_, hidden_}, bound, rng));
    bias = this->register_parameter("bias", unroll::uniform<T>({4 * hidden_}, bound, rng));
  }
  std::size_t input_size() const { return in_; }
  std::size_t hidden_size() const { return hidden_; }
  unroll::State<T> initial_state(std::size_t batch) const {
    unroll::Array<T> zeros = unroll::Array<T>::from_shape({batch, hidden_});
    zeros.fill(T(0));
    return {unroll::Var<T>(zeros), unroll::Var<T>(zeros)};
  }

  // x [..., F] → x·W_xᵀ + b [..., 4H], for every time step at once.
  unroll::Var<T> project_input(const unroll::Var<T>& x) const {
    return unroll::linear(x, w_x, bias);
  }
  // p_t [B, 4H], state {h, c} → {h', c'}.
  unroll::State<T> step_projected(const unroll::Var<T>& p, const unroll::State<T>& s) const {
    using namespace unroll;
    auto gates = linear(s[0], w_h, p);  // p + h·W_hᵀ in one GEMM
    auto [h, c] = pointwise<2>(
        "user_lstm",
        [](auto i, auto f, auto g, auto o, auto c) {
          auto c_next = sigmoid(f) * c + sigmoid(i) * tanh(g);
          return std::array{sigmoid(o) * tanh(c_next), c_next};
        },
        parts<4>(gates), s[1]);
    return {h, c};
  }
  unroll::State<T> step(const unroll::Var<T>& x, const unroll::State<T>& s) const {
    return step_projected(project_input(x), s);
  }

 private:
  std::size_t in_, hidden_;
};
