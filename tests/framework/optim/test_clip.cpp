// Gradient clipping: clip_grad_norm (2-, 1- and ∞-norm) and clip_grad_value against PyTorch 1.13,
// the per-parameter norms for logging, the edge cases, and what clipping is for: a ReLU RNN with
// large recurrent weights on a long sequence, whose unclipped training blows up while clipped
// training goes down.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <xtensor/xmath.hpp>
#include <xtensor/xnorm.hpp>
#include <xtensor/xoperation.hpp>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/reduce.hpp"
#include "framework/optim/clip.hpp"
#include "framework/optim/sgd.hpp"
#include "layers/recurrent.hpp"
#include "tests/fixtures.hpp"
#include "tests/support.hpp"

using namespace unroll;
using Catch::Contains;
using nlohmann::json;
using unroll::testing::all_close;
using unroll::testing::fixture_tensor;
using unroll::testing::random_array;

namespace {

// Parameters whose gradients are the given arrays (set through backward: d/dp Σ p ⊙ g = g).
template <class T>
std::vector<Var<T>> with_gradients(const std::vector<Array<T>>& grads) {
  std::vector<Var<T>> parameters;
  for (const auto& g : grads) {
    auto p = Var<T>::parameter(xt::zeros<T>(g.shape()));
    sum(p * Var<T>(g)).backward();
    parameters.push_back(p);
  }
  tape<T>().reset();
  return parameters;
}

template <class T>
std::vector<Array<T>> fixture_grads(const json& grads) {
  std::vector<Array<T>> arrays;
  for (const char* name : {"a", "b", "c"}) arrays.push_back(fixture_tensor<T>(grads.at(name)));
  return arrays;
}

}  // namespace

TEMPLATE_TEST_CASE("clip_grad_norm matches PyTorch", "[optim][clip][pytorch]", float, double) {
  using T = TestType;
  const double tol = std::is_same_v<T, double> ? 1e-10 : 1e-5;
  const json f = unroll::testing::load_fixture("optim/clip.json");
  REQUIRE(f["norm_cases"].size() == 4);
  for (const json& c : f["norm_cases"]) {
    const double norm_type = c["norm_type"] == "inf" ? std::numeric_limits<double>::infinity()
                                                     : c["norm_type"].get<double>();
    INFO("max_norm " << c["max_norm"].get<double>() << ", norm type " << norm_type);
    auto parameters = with_gradients(fixture_grads<T>(f["grads"]));
    const T total = clip_grad_norm(parameters, c["max_norm"].get<double>(), norm_type);
    CHECK(total == Approx(c["total_norm"].get<double>()).epsilon(tol));
    const auto expected = fixture_grads<T>(c["grads"]);
    for (std::size_t k = 0; k < parameters.size(); ++k)
      CHECK(all_close(parameters[k].grad(), expected[k], tol));
  }
}

TEMPLATE_TEST_CASE("clip_grad_value matches PyTorch", "[optim][clip][pytorch]", float, double) {
  using T = TestType;
  const json f = unroll::testing::load_fixture("optim/clip.json");
  REQUIRE(f["value_cases"].size() == 2);
  for (const json& c : f["value_cases"]) {
    INFO("clip value " << c["clip_value"].get<double>());
    auto parameters = with_gradients(fixture_grads<T>(f["grads"]));
    clip_grad_value(parameters, c["clip_value"].get<double>());
    const auto expected = fixture_grads<T>(c["grads"]);
    for (std::size_t k = 0; k < parameters.size(); ++k)
      CHECK(all_close(parameters[k].grad(), expected[k], 0.0));
  }
}

TEST_CASE("clipping leaves out parameters without a gradient and counts shared ones once",
          "[optim][clip]") {
  auto parameters = with_gradients<double>({Array<double>{3.0, 4.0}});
  auto no_grad = Var<double>::parameter(xt::ones<double>({2}));
  parameters.push_back(no_grad);
  parameters.push_back(parameters[0]);  // the same parameter again, as tied weights are
  CHECK(clip_grad_norm(parameters, 1.0) == 5.0);
  CHECK(all_close(parameters[0].grad(), Array<double>{3.0 / (5 + 1e-6), 4.0 / (5 + 1e-6)}, 1e-15));
  CHECK_FALSE(no_grad.has_grad());
  clip_grad_value(parameters, 0.1);
  CHECK(all_close(parameters[0].grad(), Array<double>{0.1, 0.1}, 0.0));
  CHECK_FALSE(no_grad.has_grad());
  CHECK(clip_grad_norm(std::vector<Var<double>>{no_grad}, 1.0) == 0.0);
}

TEST_CASE("a norm below max_norm changes nothing", "[optim][clip]") {
  auto parameters = with_gradients<double>({Array<double>{0.3, -0.4}});
  CHECK(clip_grad_norm(parameters, 1.0) == Approx(0.5));
  CHECK(all_close(parameters[0].grad(), Array<double>{0.3, -0.4}, 0.0));
}

TEST_CASE("non-finite norms", "[optim][clip]") {
  const double inf = std::numeric_limits<double>::infinity();
  auto parameters = with_gradients<double>({Array<double>{inf, 1.0}, Array<double>{2.0}});
  CHECK_THROWS_WITH(clip_grad_norm(parameters, 1.0, 2.0, true),
                    Contains("total norm of order 2 of the gradients is inf"));
  CHECK(parameters[1].grad()(0) == 2.0);          // unchanged by the refusal
  CHECK(clip_grad_norm(parameters, 1.0) == inf);  // as PyTorch: scaled by 0
  CHECK(parameters[1].grad()(0) == 0.0);

  auto nan_parameters = with_gradients<double>({Array<double>{std::nan(""), 1.0}});
  CHECK_THROWS_AS(clip_grad_norm(nan_parameters, 1.0, inf, true), ValueError);
  CHECK(std::isnan(clip_grad_norm(nan_parameters, 1.0, inf)));
  CHECK(nan_parameters[0].grad()(1) == 1.0);  // a NaN norm leaves the gradients alone
}

TEST_CASE("clipping rejects bad arguments", "[optim][clip]") {
  auto parameters = with_gradients<double>({Array<double>{1.0}});
  CHECK_THROWS_WITH(clip_grad_norm(parameters, -1.0), Contains("clip_grad_norm: max_norm -1"));
  CHECK_THROWS_WITH(clip_grad_norm(parameters, 1.0, 0.0), Contains("norm type 0 is not positive"));
  CHECK_THROWS_WITH(clip_grad_value(parameters, -0.5), Contains("clip value -0.5 is negative"));
}

TEST_CASE("per-parameter gradient norms for logging", "[optim][clip]") {
  auto grads =
      with_gradients<float>({Array<float>{3.0f, 4.0f}, Array<float>{{1.0f, 2.0f}, {2.0f, 4.0f}}});
  auto idle = Var<float>::parameter(xt::ones<float>({3}));
  const auto norms =
      per_parameter_grad_norms<float>({{"w", grads[0]}, {"idle", idle}, {"u", grads[1]}});
  REQUIRE(norms.size() == 2);
  CHECK(norms[0] == std::pair<std::string, double>("w", 5.0));
  CHECK(norms[1] == std::pair<std::string, double>("u", 5.0));
}

namespace {

// Rescales the square matrix w in place so that its largest singular value is `target` (power
// iteration on wᵀw).
void set_spectral_norm(Array<double>& w, double target) {
  const std::size_t n = w.shape(0);
  Array<double> v = xt::ones<double>({n}), u = xt::zeros<double>({n});
  double sigma = 0.0;
  for (int iteration = 0; iteration < 500; ++iteration) {
    for (std::size_t i = 0; i < n; ++i) {  // u = w v
      u(i) = 0.0;
      for (std::size_t j = 0; j < n; ++j) u(i) += w(i, j) * v(j);
    }
    sigma = xt::norm_l2(u)() / xt::norm_l2(v)();
    for (std::size_t j = 0; j < n; ++j) {  // v = wᵀ u, normalized
      v(j) = 0.0;
      for (std::size_t i = 0; i < n; ++i) v(j) += w(i, j) * u(i);
    }
    v /= xt::norm_l2(v)();
  }
  w *= target / sigma;
}

struct Training {
  std::vector<double> losses, grad_norms;  // before each step
  bool finite_weights = true;              // after the last step
};

// Plain SGD (lr 0.01) on a ReLU RNN, H = 16, whose W_hh has spectral norm 3, over T = 60 steps of
// a batch of 4: mean squared error of the outputs against random targets. With max_norm = ∞ the
// gradients are measured, not clipped.
Training train_relu_rnn(double max_norm, int steps) {
  RNN<double> rnn(RNNOptions(3, 16).nonlinearity(Nonlinearity::Relu).seed(5));
  set_spectral_norm(rnn.parameter("weight_hh_l0").mutable_value(), 3.0);
  const Var<double> x(random_array({4, 60, 3}, 21));
  const Var<double> target(random_array({4, 60, 16}, 22));
  SGD<double> sgd(rnn.named_parameters(), SGDOptions(0.01));
  Training run;
  for (int s = 0; s < steps; ++s) {
    sgd.zero_grad();
    Var<double> loss = mse(rnn.forward(x).output, target);
    loss.backward();
    tape<double>().reset();
    run.losses.push_back(loss.item());
    run.grad_norms.push_back(clip_grad_norm(rnn.parameters(), max_norm));
    sgd.step();
  }
  for (const auto& p : rnn.parameters())
    run.finite_weights = run.finite_weights && xt::all(xt::isfinite(p.value()));
  return run;
}

}  // namespace

TEST_CASE("clipping tames exploding gradients in a long ReLU RNN", "[optim][clip]") {
  const Training unclipped = train_relu_rnn(std::numeric_limits<double>::infinity(), 5);
  const Training clipped = train_relu_rnn(1.0, 5);
  INFO("unclipped losses " << Catch::Detail::stringify(unclipped.losses) << ", gradient norms "
                           << Catch::Detail::stringify(unclipped.grad_norms));
  INFO("clipped losses " << Catch::Detail::stringify(clipped.losses) << ", gradient norms "
                         << Catch::Detail::stringify(clipped.grad_norms));
  // The same start: a finite loss and an exploded gradient.
  CHECK(std::isfinite(unclipped.losses[0]));
  CHECK(unclipped.grad_norms[0] > 1e6);
  CHECK(clipped.grad_norms[0] == unclipped.grad_norms[0]);
  // Unclipped, one step overflows the forward pass and the weights become non-finite. (The loss
  // can look finite again afterwards: a ReLU of NaN is 0 here, so the net outputs zeros.)
  CHECK(std::any_of(unclipped.losses.begin(), unclipped.losses.end(),
                    [](double l) { return !std::isfinite(l); }));
  CHECK_FALSE(unclipped.finite_weights);
  // Clipped to norm 1, every step is finite and lowers the loss.
  CHECK(clipped.finite_weights);
  for (std::size_t s = 1; s < clipped.losses.size(); ++s) {
    CHECK(std::isfinite(clipped.losses[s]));
    CHECK(clipped.losses[s] < clipped.losses[s - 1]);
  }
  CHECK(clipped.losses.back() < clipped.losses.front() / 10);
}
