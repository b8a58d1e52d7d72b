/// @file
/// GRU cell, gates r, z, n stacked in that order (as torch.nn.GRU):
///   [a_r a_z a_n] = x·W_ihᵀ + b_ih,  [b_r b_z b_n] = h·W_hhᵀ + b_hh    each [B, H]
///   r = σ(a_r + b_r),  z = σ(a_z + b_z),  n = tanh(a_n + r ⊙ b_n)
///   h' = (1 − z) ⊙ n + z ⊙ h                                          no cell state
/// x [B, F], h [B, H]. Weights [3H, F] and [3H, H].
#pragma once

#include <array>

#include "layers/cells/cell.hpp"

namespace unroll {

/// The GRU cell (see the top of this file).
template <class T = float>
class GRUCell : public StandardCell<T> {
 public:
  explicit GRUCell(const RecurrentOptions& options);  ///< widths F, H and seed from `options`
  /// Zeros: h, [batch, H].
  State<T> initial_state(std::size_t batch) const { return this->zeros(batch, 1); }
  /// The step from the projected input (see the top of this file).
  State<T> step_projected(const Var<T>& p, const State<T>& state) const override;
  /// The gates a step from p_t and h opens, as activations: {r, z, n}, each [B, H] — what
  /// step_projected computes on the way to h' (for looking inside a model).
  State<T> gate_activations(const Var<T>& p, const State<T>& state) const;
  /// The names of gate_activations' parts, in order.
  static constexpr std::array<const char*, 3> gate_names{"r", "z", "n"};
};

}  // namespace unroll
