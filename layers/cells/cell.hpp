/// @file
/// What every recurrent cell shares: the state type, the interface the sequence runner needs, and
/// the four PyTorch-named weights of the built-in cells.
///
/// A cell is one time step, state' = step(x_t, state), written with ops only; the tape derives
/// its backward. Any Module<T> type with this interface — a user's own cell included — runs in
/// Recurrent (layers/recurrent.hpp) with stacking, residual and temporal skips, masks and state
/// carry, and no other code.
#pragma once

#include <concepts>
#include <vector>

#include "framework/ops/elementwise.hpp"
#include "layers/cells/state.hpp"
#include "layers/module.hpp"
#include "layers/recurrent_options.hpp"

namespace unroll {

/// What Recurrent needs of a cell: a Module with value_type, step, initial_state and its widths.
template <class C>
concept RecurrentCell = requires(const C& cell, const Var<typename C::value_type>& x,
                                 const State<typename C::value_type>& state, std::size_t batch) {
  requires std::derived_from<C, Module<typename C::value_type>>;
  {
    cell.step(x, state)
    } -> std::same_as<State<typename C::value_type>>;  // x [B, F] → parts [B, H]
  { cell.initial_state(batch) } -> std::same_as<State<typename C::value_type>>;  // zeros
  { cell.input_size() } -> std::convertible_to<std::size_t>;
  { cell.hidden_size() } -> std::convertible_to<std::size_t>;
};

/// Optional, for speed: a cell whose input side does not depend on the state splits its step in
/// two, with step(x, s) ≡ step_projected(project_input(x), s):
///   project_input(x):            x [..., F] → p [..., P]  (any leading axes: all steps at once)
///   step_projected(p_t, state):  p_t [B, P] → the next state
/// Recurrent then projects a whole sequence with one large GEMM instead of one small GEMM per
/// step. The built-in cells do this; a user's cell can too (examples/custom_cell).
template <class C>
concept ProjectingCell = RecurrentCell<C> &&
    requires(const C& cell, const Var<typename C::value_type>& x,
             const State<typename C::value_type>& state) {
  { cell.project_input(x) } -> std::same_as<Var<typename C::value_type>>;
  { cell.step_projected(x, state) } -> std::same_as<State<typename C::value_type>>;
};

/// Base of the built-in cells: weight_ih [G·H, F], weight_hh [G·H, H], bias_ih and bias_hh [G·H]
/// for G gates, named and initialized as PyTorch does (U(−1/√H, 1/√H); W_hh per recurrent_init).
template <class T>
class StandardCell : public Module<T> {
 public:
  using value_type = T;  ///< float or double

  std::size_t input_size() const { return input_size_; }    ///< F: the width of x
  std::size_t hidden_size() const { return hidden_size_; }  ///< H: the width of h
  /// `parts` zero states [B, H] (h, or h and c).
  State<T> zeros(std::size_t batch, std::size_t parts) const;

  /// p = x·W_ihᵀ + projection_bias(): x [..., F] → [..., G·H] (the ProjectingCell split).
  Var<T> project_input(const Var<T>& x) const;
  /// The bias added by project_input: b_ih, or b_ih + b_hh for a cell whose step adds h·W_hhᵀ
  /// straight onto p (LSTM, RNN: fold_hh_bias), which then needs no bias per step.
  Var<T> projection_bias() const { return fold_hh_bias_ ? bias_ih + bias_hh : bias_ih; }
  /// The rest of the step, from the projected input p_t [B, G·H].
  virtual State<T> step_projected(const Var<T>& p, const State<T>& state) const = 0;
  /// One step from x [B, F]: step_projected(project_input(x), state).
  State<T> step(const Var<T>& x, const State<T>& state) const;

  Var<T> weight_ih, weight_hh, bias_ih, bias_hh;
  /// @var weight_ih
  /// [G·H, F]

  /// @var weight_hh
  /// [G·H, H]

  /// @var bias_ih
  /// [G·H]

  /// @var bias_hh
  /// [G·H]

 protected:
  /// A cell of `gates` gates and `state_parts` state parts, `kind` naming it in errors;
  /// ValueError for a zero width.
  StandardCell(const char* kind, std::size_t gates, std::size_t state_parts, bool fold_hh_bias,
               const RecurrentOptions& options);
  /// ShapeError naming the cell unless p is [B, G·H] and every state part is [B, H].
  void check_projected(const Var<T>& p, const State<T>& state) const;

 private:
  const char* kind_;
  std::size_t gates_, state_parts_;
  bool fold_hh_bias_;
  std::size_t input_size_, hidden_size_;
};

}  // namespace unroll
