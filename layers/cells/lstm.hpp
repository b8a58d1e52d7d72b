/// @file
/// LSTM cell, gates i, f, g, o stacked in that order (as torch.nn.LSTM):
///   [i f g o] = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh     [B, 4H]
///   c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)                   the additive cell-state update
///   h' = σ(o) ⊙ tanh(c')
/// x [B, F], state {h, c} each [B, H]. Weights [4H, F] and [4H, H].
#pragma once

#include <array>

#include "layers/cells/cell.hpp"

namespace unroll {

/// The LSTM cell (see the top of this file).
template <class T = float>
class LSTMCell : public StandardCell<T> {
 public:
  /// options.forget_bias() is added to b_ih's forget-gate block (1 is the classic choice).
  explicit LSTMCell(const RecurrentOptions& options);
  /// Zeros: {h, c}, [batch, H].
  State<T> initial_state(std::size_t batch) const { return this->zeros(batch, 2); }
  /// The step from the projected input (see the top of this file).
  State<T> step_projected(const Var<T>& p, const State<T>& state) const override;
  /// The gates a step from p_t and {h, c} opens, as activations: {σ(i), σ(f), tanh(g), σ(o)},
  /// each [B, H] — what step_projected computes on the way to c' (for looking inside a model).
  State<T> gate_activations(const Var<T>& p, const State<T>& state) const;
  /// The names of gate_activations' parts, in order.
  static constexpr std::array<const char*, 4> gate_names{"i", "f", "g", "o"};
};

}  // namespace unroll
