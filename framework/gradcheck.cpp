#include "framework/gradcheck.hpp"

#include <fmt/format.h>

#include <cmath>
#include <random>

namespace unroll {
namespace {

// L = Σ w ⊙ f(x) with recording off.
double weighted_output(const GradcheckFn& f, const std::vector<Array<double>>& values,
                       const Array<double>& weights) {
  NoGrad no_grad;
  std::vector<Var<double>> vars;
  for (const auto& v : values) vars.emplace_back(v);
  const Var<double> out = f(vars);
  const Array<double>& y = out.value();
  double total = 0;
  for (std::size_t i = 0; i < y.size(); ++i) total += weights.data()[i] * y.data()[i];
  return total;
}

}  // namespace

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Array<double>>& inputs,
                          double tolerance, double eps, unsigned seed) {
  return gradcheck(f, inputs, {}, tolerance, eps, seed);
}

GradcheckResult gradcheck(const GradcheckFn& f, const std::vector<Array<double>>& inputs,
                          std::vector<Var<double>> parameters, double tolerance, double eps,
                          unsigned seed) {
  tape<double>().reset();
  std::vector<Var<double>> leaves;
  for (const auto& v : inputs) leaves.emplace_back(v, true);
  for (auto& p : parameters) p.zero_grad();
  Var<double> y = f(leaves);

  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(0.5, 1.5);
  Array<double> weights(y.shape());
  for (auto& w : weights) w = dist(rng);
  y.backward(weights);

  GradcheckResult result;
  // Compares the analytic gradient of one array against central differences of `x`'s elements.
  auto check = [&](const std::string& what, const Array<double>& analytic, double* x,
                   std::size_t count, const std::vector<Array<double>>& values) {
    for (std::size_t j = 0; j < count; ++j) {
      const double original = x[j];
      x[j] = original + eps;
      const double plus = weighted_output(f, values, weights);
      x[j] = original - eps;
      const double minus = weighted_output(f, values, weights);
      x[j] = original;
      const double numeric = (plus - minus) / (2 * eps);
      const double a = analytic.data()[j];
      const double error = std::abs(a - numeric) / std::max({1.0, std::abs(a), std::abs(numeric)});
      if (!(error <= result.max_error)) {  // also catches NaN
        result.max_error = std::isnan(error) ? INFINITY : error;
        result.worst =
            fmt::format("{} element {}: analytic {:.10g}, numeric {:.10g}", what, j, a, numeric);
      }
    }
  };
  std::vector<Array<double>> values = inputs;
  for (std::size_t i = 0; i < values.size(); ++i)
    check(fmt::format("input {}", i), leaves[i].grad(), values[i].data(), values[i].size(), values);
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    const Array<double> analytic = parameters[i].grad();
    Array<double>& value = parameters[i].mutable_value();
    check(fmt::format("parameter {}", i), analytic, value.data(), value.size(), values);
    parameters[i].zero_grad();
  }
  result.passed = result.max_error <= tolerance;
  leaves.clear();
  y = Var<double>();
  tape<double>().reset();
  return result;
}

}  // namespace unroll
