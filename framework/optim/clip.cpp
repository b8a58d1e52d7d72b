#include "framework/optim/clip.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

namespace unroll {
namespace {

// The gradients to clip: parameters with a gradient, each node once (in a reused list: no
// allocation in a training step).
template <class T>
const std::vector<Node<T>*>& gradient_nodes(const std::vector<Var<T>>& parameters) {
  thread_local std::vector<Node<T>*> nodes;
  nodes.clear();
  for (const auto& p : parameters) {
    if (!p.defined() || !p.has_grad()) continue;
    if (std::find(nodes.begin(), nodes.end(), p.node()) == nodes.end()) nodes.push_back(p.node());
  }
  return nodes;
}

// max(a, b), NaN when either is NaN.
double nan_max(double a, double b) { return std::isnan(a) || a > b ? a : b; }

// Σ |g|^p over a gradient (p = ∞: max |g|), accumulated in double.
template <class T>
double power_sum(const Array<T>& g, double p) {
  const T* x = g.data();
  double s = 0.0;
  if (std::isinf(p)) {
    for (std::size_t i = 0; i < g.size(); ++i) s = nan_max(std::abs(static_cast<double>(x[i])), s);
  } else if (p == 2.0) {
    for (std::size_t i = 0; i < g.size(); ++i) s += static_cast<double>(x[i]) * x[i];
  } else {
    for (std::size_t i = 0; i < g.size(); ++i)
      s += std::pow(std::abs(static_cast<double>(x[i])), p);
  }
  return s;
}

}  // namespace

template <class T>
T clip_grad_norm(const std::vector<Var<T>>& parameters, double max_norm, double norm_type,
                 bool error_if_nonfinite) {
  if (!(max_norm >= 0.0))
    throw ValueError(fmt::format("clip_grad_norm: max_norm {} is negative", max_norm));
  if (!(norm_type > 0.0))
    throw ValueError(fmt::format("clip_grad_norm: norm type {} is not positive", norm_type));
  const std::vector<Node<T>*>& nodes = gradient_nodes(parameters);
  double total = 0.0;
  for (Node<T>* n : nodes) {
    const double s = power_sum(n->grad, norm_type);
    total = std::isinf(norm_type) ? nan_max(s, total) : total + s;
  }
  if (!std::isinf(norm_type)) total = std::pow(total, 1.0 / norm_type);
  if (error_if_nonfinite && !std::isfinite(total))
    throw ValueError(fmt::format(
        "clip_grad_norm: the total norm of order {} of the gradients is {}, so it cannot be "
        "clipped (pass error_if_nonfinite = false to leave such gradients alone)",
        norm_type, total));
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0)
    for (Node<T>* n : nodes) n->grad *= static_cast<T>(coef);
  return static_cast<T>(total);
}

template <class T>
void clip_grad_value(const std::vector<Var<T>>& parameters, double clip_value) {
  if (!(clip_value >= 0.0))
    throw ValueError(fmt::format("clip_grad_value: clip value {} is negative", clip_value));
  const T v = static_cast<T>(clip_value);
  for (Node<T>* n : gradient_nodes(parameters)) xt::noalias(n->grad) = xt::clip(n->grad, -v, v);
}

template <class T>
std::vector<std::pair<std::string, double>> per_parameter_grad_norms(
    const std::vector<std::pair<std::string, Var<T>>>& parameters) {
  std::vector<std::pair<std::string, double>> norms;
  for (const auto& [name, p] : parameters)
    if (p.defined() && p.has_grad()) norms.emplace_back(name, std::sqrt(power_sum(p.grad(), 2.0)));
  return norms;
}

#define UNROLL_INSTANTIATE(T)                                                    \
  template T clip_grad_norm(const std::vector<Var<T>>&, double, double, bool);   \
  template void clip_grad_value(const std::vector<Var<T>>&, double);             \
  template std::vector<std::pair<std::string, double>> per_parameter_grad_norms( \
      const std::vector<std::pair<std::string, Var<T>>>&);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
