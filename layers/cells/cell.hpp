// What every recurrent cell shares: the state type, the interface the sequence runner needs, and
// the four PyTorch-named weights of the built-in cells.
//
// A cell is one time step, state' = step(x_t, state), written with ops only; the tape derives
// its backward. Any Module<T> type with this interface — a user's own cell included — runs in
// Recurrent (layers/recurrent.hpp) with stacking, residual and temporal skips, masks and state
// carry, and no other code.
#pragma once

#include <concepts>
#include <vector>

#include "layers/module.hpp"
#include "layers/recurrent_options.hpp"

namespace unroll {

// A cell's state: h_t first (the output), then anything else it carries (an LSTM's c_t).
template <class T>
using State = std::vector<Var<T>>;

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

// Base of the built-in cells: weight_ih [G·H, F], weight_hh [G·H, H], bias_ih and bias_hh [G·H]
// for G gates, named and initialized as PyTorch does (U(−1/√H, 1/√H); W_hh per recurrent_init).
template <class T>
class StandardCell : public Module<T> {
 public:
  using value_type = T;

  std::size_t input_size() const { return input_size_; }
  std::size_t hidden_size() const { return hidden_size_; }
  // `parts` zero states [B, H] (h, or h and c).
  State<T> zeros(std::size_t batch, std::size_t parts) const;

  Var<T> weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  StandardCell(const char* kind, std::size_t gates, const RecurrentOptions& options);
  // ShapeError naming the cell unless x is [B, F] and every state part is [B, H].
  void check_step(const Var<T>& x, const State<T>& state, std::size_t parts) const;

 private:
  const char* kind_;
  std::size_t input_size_, hidden_size_;
};

}  // namespace unroll
