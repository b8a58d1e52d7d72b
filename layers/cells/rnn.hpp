/// @file
/// Vanilla RNN cell:  h' = act(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh),  act = tanh (or relu).
/// x [B, F], h [B, H] → h' [B, H]. Weights [H, F] and [H, H] as in torch.nn.RNN.
#pragma once

#include "layers/cells/cell.hpp"

namespace unroll {

/// The vanilla RNN cell (see the top of this file).
template <class T = float>
class RNNCell : public StandardCell<T> {
 public:
  explicit RNNCell(const RecurrentOptions& options);  ///< widths F, H and seed from `options`
  /// Zeros: h, [batch, H].
  State<T> initial_state(std::size_t batch) const { return this->zeros(batch, 1); }
  /// The step from the projected input (see the top of this file).
  State<T> step_projected(const Var<T>& p, const State<T>& state) const override;

 private:
  Nonlinearity nonlinearity_;
};

}  // namespace unroll
