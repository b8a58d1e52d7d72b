// ‖∂L/∂h_t‖ for every step t of a recurrent layer, the quantity the gradient experiments plot:
//   auto out = layer.forward(x, {}, {}, {.keep_states = true});
//   auto hs = retain_step_states(out);          // h_1 … h_T of layer 0, each [B, H]
//   loss(out).backward();
//   std::vector<double> g = gradient_by_distance(hs);  // g[d] at distance d = T − 1 − t
// and gradient-flow's probe of a layer, which any float64 Recurrent<Cell> can take:
//   std::vector<double> g = probe(layer, random_probe(B, T, F, H, seed));
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/reduce.hpp"
#include "lab/table.hpp"
#include "layers/recurrent.hpp"

namespace unroll::lab {

// Layer `layer`'s h_t at every step, each marked retain_grad() (before backward).
template <class T>
std::vector<Var<T>> retain_step_states(SequenceOutput<T>& out, std::size_t layer = 0) {
  std::vector<Var<T>> hs;
  for (auto& state : out.step_states.at(layer)) {
    state[0].retain_grad();
    hs.push_back(state[0]);
  }
  return hs;
}

// After backward: g[d] = mean over the batch rows b of ‖∂L/∂h_t[b]‖, t = T − 1 − d (0 for a
// state the loss does not reach).
template <class T>
std::vector<double> gradient_by_distance(const std::vector<Var<T>>& hs) {
  std::vector<double> g(hs.size(), 0.0);
  for (std::size_t t = 0; t < hs.size(); ++t) {
    if (!hs[t].has_grad()) continue;
    const Array<T>& grad = hs[t].grad();
    const std::size_t batch = grad.shape(0), width = grad.shape(1);
    double sum = 0;
    for (std::size_t b = 0; b < batch; ++b) {
      double n = 0;
      for (std::size_t j = 0; j < width; ++j) n += static_cast<double>(grad(b, j)) * grad(b, j);
      sum += std::sqrt(n) / static_cast<double>(batch);
    }
    g[hs.size() - 1 - t] = sum;
  }
  return g;
}

// What gradient-flow drives a layer with: inputs x [B, T, F] ~ N(0, 1) (all 0 when
// zero_inputs) and r [B, H] a random unit vector per row, from one generator of `seed`.
struct Probe {
  Array<double> x, r;
};
Probe random_probe(std::size_t batch, std::size_t steps, std::size_t inputs, std::size_t hidden,
                   std::uint64_t seed, bool zero_inputs = false);

// ‖∂L_T/∂h_t‖ at every distance d = T − 1 − t (d = 0 first) for L_T = Σ_b r_b · h_T, the layer
// run over p.x from a zero state: ‖g_0‖ = 1, and g_d = J(T, t)ᵀ r. With `states`, the values
// of h_1 … h_T too.
template <class Layer>
std::vector<double> probe(Layer&& layer, const Probe& p,
                          std::vector<Array<double>>* states = nullptr) {
  auto out = layer.forward(Var<double>(p.x), {}, {}, {.keep_states = true});
  const auto hs = retain_step_states(out);
  sum(out.final_states[0][0] * Var<double>(p.r)).backward();
  if (states)
    for (const auto& h : hs) states->push_back(h.value());
  std::vector<double> g = gradient_by_distance(hs);
  tape<double>().reset();
  return g;
}

// {{"distance", d}, {"grad_norm", g[d]}} for every d: a run's rows.
std::vector<Row> distance_rows(const std::vector<double>& g);

}  // namespace unroll::lab
