/// @file
/// Gradient clipping, between backward() and the optimizer step; gradients change in place.
/// Parameters without a gradient (has_grad() false) are left out, as PyTorch leaves out
/// p.grad is None; a parameter listed twice (tied weights) counts once.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "framework/tape.hpp"

namespace unroll {

/// Rescales all gradients together — torch.nn.utils.clip_grad_norm_:
///   N = ‖(g_1, …, g_n)‖_p  (the p-norm of every gradient as if concatenated; p = ∞: max |g|)
///   c = max_norm / (N + 1e-6);  when c < 1:  g_i ← c·g_i
/// Returns N, the norm before clipping. With error_if_nonfinite a non-finite N throws ValueError
/// (and changes nothing); otherwise N = ∞ scales by c = 0, as PyTorch does, and N = NaN leaves the
/// gradients as they are. ValueError when max_norm < 0 or p ≤ 0.
template <class T>
T clip_grad_norm(const std::vector<Var<T>>& parameters, double max_norm, double norm_type = 2.0,
                 bool error_if_nonfinite = false);

/// Clamps every gradient element: g ← min(max(g, −v), v) — torch.nn.utils.clip_grad_value_
/// (char-rnn clamps at 5). ValueError when v < 0.
template <class T>
void clip_grad_value(const std::vector<Var<T>>& parameters, double clip_value);

/// (name, ‖g‖₂) of each parameter that has a gradient, in order: for logging.
template <class T>
std::vector<std::pair<std::string, double>> per_parameter_grad_norms(
    const std::vector<std::pair<std::string, Var<T>>>& parameters);

}  // namespace unroll
