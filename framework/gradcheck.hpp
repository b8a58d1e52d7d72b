/// @file
/// Gradient checking by central differences in float64.
///
/// For f: inputs → y (any shape), compares the tape's gradient of L = Σ w ⊙ f(x), with fixed random
/// weights w (so every output element matters), against (L(x + ε·e_j) − L(x − ε·e_j)) / 2ε for
/// every element j of every input. The error of one element is |analytic − numeric| divided by
/// max(1, |analytic|, |numeric|): relative for large gradients, absolute below 1.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "framework/tape.hpp"

namespace unroll {

/// The outcome of a gradient check.
struct GradcheckResult {
  double max_error = 0;  ///< the worst element's error
  std::string worst;     ///< which element, with both values
  bool passed = false;   ///< max_error <= tolerance
};

/// The function checked: inputs → y, built of ops on the float64 tape.
using GradcheckFn = std::function<Var<double>(const std::vector<Var<double>>&)>;

/// Resets the float64 tape before and after.
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Array<double>>& inputs,
                          double tolerance = 1e-6, double eps = 1e-6, unsigned seed = 7);

/// The same, also checking the gradients of `parameters`: persistent leaves that f uses directly
/// (a module's weights). They are perturbed in place and restored; their gradients are reset.
GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Array<double>>& inputs,
                          std::vector<Var<double>> parameters, double tolerance = 1e-6,
                          double eps = 1e-6, unsigned seed = 7);

}  // namespace unroll
