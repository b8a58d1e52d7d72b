// Optimizers: five steps of SGD, Adam, AdamW, Adagrad and RMSprop against PyTorch 1.13 (float64
// within 1e-10, float32 within 1e-5), PyTorch's defaults, skipped parameters, checkpoint resume,
// allocation-free steps and argument errors.
#include <catch2/catch.hpp>
#include <memory>

#include "framework/memory.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/reduce.hpp"
#include "framework/optim/adagrad.hpp"
#include "framework/optim/adam.hpp"
#include "framework/optim/adamw.hpp"
#include "framework/optim/rmsprop.hpp"
#include "framework/optim/sgd.hpp"
#include "tests/fixtures.hpp"
#include "tests/support.hpp"

using namespace unroll;
using nlohmann::json;
using unroll::testing::all_close;
using unroll::testing::fixture_tensor;
using unroll::testing::random_array;

namespace {

// The optimizer a fixture case describes: PyTorch's defaults overridden by its "options".
template <class T>
std::unique_ptr<Optimizer<T>> make_optimizer(const json& c, NamedParameters<T> parameters) {
  const json& o = c.at("options");
  auto has = [&](const char* key) { return o.contains(key); };
  auto num = [&](const char* key) { return o.at(key).get<double>(); };
  auto betas = [&] { return Betas(o.at("betas")[0], o.at("betas")[1]); };
  const std::string kind = c.at("optimizer");
  if (kind == "SGD") {
    SGDOptions opt(num("lr"));
    if (has("momentum")) opt.momentum(num("momentum"));
    if (has("dampening")) opt.dampening(num("dampening"));
    if (has("weight_decay")) opt.weight_decay(num("weight_decay"));
    if (has("nesterov")) opt.nesterov(o.at("nesterov").get<bool>());
    return std::make_unique<SGD<T>>(parameters, opt);
  }
  if (kind == "Adam") {
    AdamOptions opt;
    if (has("lr")) opt.lr(num("lr"));
    if (has("betas")) opt.betas(betas());
    if (has("eps")) opt.eps(num("eps"));
    if (has("weight_decay")) opt.weight_decay(num("weight_decay"));
    return std::make_unique<Adam<T>>(parameters, opt);
  }
  if (kind == "AdamW") {
    AdamWOptions opt;
    if (has("lr")) opt.lr(num("lr"));
    if (has("betas")) opt.betas(betas());
    if (has("eps")) opt.eps(num("eps"));
    if (has("weight_decay")) opt.weight_decay(num("weight_decay"));
    return std::make_unique<AdamW<T>>(parameters, opt);
  }
  if (kind == "Adagrad") {
    AdagradOptions opt;
    if (has("lr")) opt.lr(num("lr"));
    if (has("lr_decay")) opt.lr_decay(num("lr_decay"));
    if (has("weight_decay")) opt.weight_decay(num("weight_decay"));
    if (has("initial_accumulator_value"))
      opt.initial_accumulator_value(num("initial_accumulator_value"));
    if (has("eps")) opt.eps(num("eps"));
    return std::make_unique<Adagrad<T>>(parameters, opt);
  }
  REQUIRE(kind == "RMSprop");
  RMSpropOptions opt;
  if (has("lr")) opt.lr(num("lr"));
  if (has("alpha")) opt.alpha(num("alpha"));
  if (has("eps")) opt.eps(num("eps"));
  if (has("weight_decay")) opt.weight_decay(num("weight_decay"));
  if (has("momentum")) opt.momentum(num("momentum"));
  if (has("centered")) opt.centered(o.at("centered").get<bool>());
  return std::make_unique<RMSprop<T>>(parameters, opt);
}

// The fixture's parameters, and L = Σ_p Σ (c1 ⊙ p² + c2 ⊙ p³) over the used ones, on the tape.
template <class T>
struct PolynomialProblem {
  NamedParameters<T> parameters;
  std::vector<std::pair<Var<T>, Var<T>>> coefficients;  // (c1, c2) of parameters[k]

  explicit PolynomialProblem(const json& f) {
    for (const char* name : {"layer.weight", "layer.bias", "layer.unused"})
      parameters.emplace_back(name, Var<T>::parameter(fixture_tensor<T>(f["parameters"].at(name))));
    for (const char* name : {"layer.weight", "layer.bias"}) {
      const json& c = f["coefficients"].at(name);
      coefficients.emplace_back(Var<T>(fixture_tensor<T>(c["c1"])),
                                Var<T>(fixture_tensor<T>(c["c2"])));
    }
  }

  void backward() const {
    Var<T> loss;
    for (std::size_t k = 0; k < coefficients.size(); ++k) {
      const Var<T>& p = parameters[k].second;
      const auto& [c1, c2] = coefficients[k];
      Var<T> term = sum(c1 * p * p) + sum(c2 * p * p * p);
      loss = loss.defined() ? loss + term : term;
    }
    loss.backward();
    tape<T>().reset();
  }
};

template <class T>
void train(Optimizer<T>& optimizer, const PolynomialProblem<T>& problem, int steps) {
  for (int s = 0; s < steps; ++s) {
    optimizer.zero_grad();
    problem.backward();
    optimizer.step();
  }
}

// A small problem for the behaviour tests: parameters of two shapes with a gradient.
NamedParameters<double> two_parameters() {
  return {{"w", Var<double>::parameter(random_array({3, 4}, 1))},
          {"b", Var<double>::parameter(random_array({5}, 2))}};
}

void set_gradients(const NamedParameters<double>& parameters, unsigned seed) {
  for (auto& [name, p] : parameters) {
    Var<double> target(random_array(p.shape(), seed++));
    sum(p * target).backward();
  }
  tape<double>().reset();
}

}  // namespace

TEMPLATE_TEST_CASE("optimizers follow PyTorch's trajectories", "[optim][pytorch]", float, double) {
  using T = TestType;
  const double tol = std::is_same_v<T, double> ? 1e-10 : 1e-5;
  const json f = unroll::testing::load_fixture("optim/optimizers.json");
  REQUIRE(f["cases"].size() == 12);
  for (const json& c : f["cases"]) {
    INFO("case " << c["name"].get<std::string>());
    PolynomialProblem<T> problem(f);
    auto optimizer = make_optimizer<T>(c, problem.parameters);
    const Array<T> unused = problem.parameters[2].second.value();
    for (std::size_t step = 0; step < f["steps"].get<std::size_t>(); ++step) {
      INFO("after step " << step + 1);
      train(*optimizer, problem, 1);
      CHECK(optimizer->steps() == static_cast<std::int64_t>(step + 1));
      for (auto& [name, p] : problem.parameters) {
        INFO("parameter " << name);
        CHECK(all_close(p.value(), fixture_tensor<T>(c["trajectory"][step].at(name)), tol));
      }
    }
    CHECK(problem.parameters[2].second.value() == unused);  // no gradient: never touched
  }
}

TEST_CASE("options default to PyTorch's", "[optim]") {
  CHECK(SGDOptions(0.1).momentum() == 0.0);
  CHECK(SGDOptions(0.1).dampening() == 0.0);
  CHECK(SGDOptions(0.1).weight_decay() == 0.0);
  CHECK_FALSE(SGDOptions(0.1).nesterov());
  CHECK(AdamOptions().lr() == 1e-3);
  CHECK(AdamOptions().betas() == Betas(0.9, 0.999));
  CHECK(AdamOptions().eps() == 1e-8);
  CHECK(AdamOptions().weight_decay() == 0.0);
  CHECK(AdamWOptions().weight_decay() == 1e-2);
  CHECK(AdamWOptions().lr() == 1e-3);
  CHECK(AdagradOptions().lr() == 1e-2);
  CHECK(AdagradOptions().lr_decay() == 0.0);
  CHECK(AdagradOptions().initial_accumulator_value() == 0.0);
  CHECK(AdagradOptions().eps() == 1e-10);
  CHECK(RMSpropOptions().lr() == 1e-2);
  CHECK(RMSpropOptions().alpha() == 0.99);
  CHECK(RMSpropOptions().eps() == 1e-8);
  CHECK(RMSpropOptions().momentum() == 0.0);
  CHECK_FALSE(RMSpropOptions().centered());
  CHECK(AdamOptions().lr(2e-3).eps(1e-6).lr() == 2e-3);  // chainable
}

TEST_CASE("state tensors are named after the parameters", "[optim]") {
  auto parameters = two_parameters();
  Adam<double> adam(parameters, AdamOptions());
  std::vector<std::string> names;
  for (auto& [name, buffer] : adam.state_tensors()) names.push_back(name);
  CHECK(names ==
        std::vector<std::string>{"exp_avg.w", "exp_avg.b", "exp_avg_sq.w", "exp_avg_sq.b"});
  CHECK(adam.state_tensors()[1].second->shape() == Shape{5});

  RMSprop<double> rmsprop(parameters, RMSpropOptions().centered(true).momentum(0.9));
  CHECK(rmsprop.state_tensors().size() == 6);
  CHECK(rmsprop.state_tensors()[2].first == "grad_avg.w");
  CHECK(rmsprop.state_tensors()[4].first == "momentum_buffer.w");
  CHECK(SGD<double>(parameters, SGDOptions(0.1)).state_tensors().empty());
  CHECK(SGD<double>(parameters, SGDOptions(0.1).momentum(0.9)).state_tensors().size() == 2);
  Adagrad<double> adagrad(parameters, AdagradOptions().initial_accumulator_value(0.25));
  auto sums = adagrad.state_tensors();  // pointers into adagrad's buffers: it must outlive them
  CHECK(sums[0].first == "sum.w");
  CHECK((*sums[0].second)(2, 3) == 0.25);
}

TEST_CASE("a checkpoint of the state tensors and the step count resumes exactly", "[optim]") {
  // Three steps, then two more — once straight through, once through saved and reloaded state.
  auto run = [](NamedParameters<double> parameters, auto make, int first, int second) {
    auto a = make(parameters);
    for (int s = 0; s < first; ++s) {
      a.zero_grad();
      set_gradients(parameters, 10 + s);
      a.step();
    }
    std::vector<Array<double>> saved;
    for (auto& [name, buffer] : a.state_tensors()) saved.push_back(*buffer);
    auto b = make(parameters);  // a fresh optimizer over the same parameters
    b.set_steps(a.steps());
    auto tensors = b.state_tensors();
    for (std::size_t i = 0; i < saved.size(); ++i) *tensors[i].second = saved[i];
    for (int s = first; s < first + second; ++s) {
      b.zero_grad();
      set_gradients(parameters, 10 + s);
      b.step();
    }
    return parameters;
  };
  auto check = [&](auto make) {
    const auto straight = run(two_parameters(), make, 5, 0);
    const auto resumed = run(two_parameters(), make, 3, 2);
    for (std::size_t k = 0; k < straight.size(); ++k)
      CHECK(all_close(resumed[k].second.value(), straight[k].second.value(), 1e-15));
  };
  check([](auto p) { return SGD<double>(p, SGDOptions(0.1).momentum(0.9).dampening(0.5)); });
  check([](auto p) { return Adam<double>(p, AdamOptions().lr(0.1)); });
  check([](auto p) { return AdamW<double>(p, AdamWOptions().lr(0.1)); });
  check([](auto p) { return Adagrad<double>(p, AdagradOptions().lr_decay(0.1)); });
  check([](auto p) { return RMSprop<double>(p, RMSpropOptions().centered(true).momentum(0.9)); });
}

TEST_CASE("steps, learning rate and zero_grad", "[optim]") {
  auto parameters = two_parameters();
  SGD<double> sgd(parameters, SGDOptions(0.5));
  CHECK(sgd.lr() == 0.5);
  sgd.set_lr(0.25);
  CHECK(sgd.lr() == 0.25);
  const Array<double> w0 = parameters[0].second.value();
  set_gradients(parameters, 3);
  const Array<double> g = parameters[0].second.grad();
  sgd.step();
  CHECK(all_close(parameters[0].second.value(), Array<double>(w0 - 0.25 * g), 1e-15));
  CHECK(sgd.steps() == 1);
  sgd.zero_grad();
  CHECK_FALSE(parameters[0].second.has_grad());
  CHECK_FALSE(parameters[1].second.has_grad());
  sgd.step();  // nothing has a gradient: nothing changes, the step still counts
  CHECK(all_close(parameters[0].second.value(), Array<double>(w0 - 0.25 * g), 1e-15));
  CHECK(sgd.steps() == 2);
}

TEST_CASE("a parameter listed twice (tied weights) is updated once", "[optim]") {
  auto w = Var<double>::parameter(random_array({2, 3}, 4));
  auto twin = Var<double>::parameter(w.value());
  SGD<double> tied({{"embed.weight", w}, {"head.weight", w}}, SGDOptions(0.1));
  SGD<double> single({{"weight", twin}}, SGDOptions(0.1));
  CHECK(tied.parameters().size() == 1);
  CHECK(tied.parameters()[0].first == "embed.weight");
  set_gradients({{"w", w}}, 5);
  set_gradients({{"w", twin}}, 5);
  tied.step();
  single.step();
  CHECK(all_close(w.value(), twin.value(), 0.0));
}

TEST_CASE("a step after forward invalidates that forward's backward", "[optim]") {
  auto parameters = two_parameters();
  Var<double>& w = parameters[0].second;
  SGD<double> sgd(parameters, SGDOptions(0.1));
  set_gradients(parameters, 6);
  Var<double> loss = sum(w * w);  // saves w for its backward
  sgd.step();                     // changes w
  CHECK_THROWS_AS(loss.backward(), TapeError);
  tape<double>().reset();
}

TEST_CASE("steps allocate nothing once the state exists", "[optim]") {
  auto check = [](auto make) {
    auto parameters = two_parameters();
    auto optimizer = make(parameters);
    set_gradients(parameters, 7);
    optimizer.step();
    const MemoryStats before = memory_stats();
    for (int s = 0; s < 3; ++s) optimizer.step();
    const MemoryStats after = memory_stats();
    CHECK(after.system_allocs == before.system_allocs);
    CHECK(after.reuses == before.reuses);
  };
  check([](auto p) {
    return SGD<double>(p, SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.1));
  });
  check([](auto p) { return Adam<double>(p, AdamOptions().weight_decay(0.1)); });
  check([](auto p) { return AdamW<double>(p, AdamWOptions()); });
  check([](auto p) { return Adagrad<double>(p, AdagradOptions().weight_decay(0.1)); });
  check([](auto p) {
    return RMSprop<double>(p, RMSpropOptions().centered(true).momentum(0.9).weight_decay(0.1));
  });
}

TEST_CASE("optimizers reject bad arguments, naming themselves and the value", "[optim]") {
  using Catch::Contains;
  auto p = two_parameters();
  CHECK_THROWS_AS(SGD<double>(p, SGDOptions(-0.1)), ValueError);
  CHECK_THROWS_WITH(SGD<double>(p, SGDOptions(-0.1)), Contains("SGD: learning rate -0.1"));
  CHECK_THROWS_WITH(Adam<double>(p, AdamOptions().lr(-1)), Contains("Adam") && Contains("-1"));
  CHECK_THROWS_WITH(Adam<double>(p, AdamOptions().betas({1.0, 0.999})),
                    Contains("Adam: beta1 1 is not in [0, 1)"));
  CHECK_THROWS_WITH(Adam<double>(p, AdamOptions().betas({0.9, -0.5})),
                    Contains("Adam: beta2 -0.5"));
  CHECK_THROWS_WITH(Adam<double>(p, AdamOptions().eps(-1e-8)), Contains("Adam: eps -1e-08"));
  CHECK_THROWS_WITH(AdamW<double>(p, AdamWOptions().betas({0.9, 1.5})),
                    Contains("AdamW: beta2 1.5"));
  CHECK_THROWS_WITH(AdamW<double>(p, AdamWOptions().weight_decay(-0.01)),
                    Contains("AdamW: weight decay -0.01"));
  CHECK_THROWS_WITH(Adagrad<double>(p, AdagradOptions().lr(-0.5)),
                    Contains("Adagrad") && Contains("-0.5"));
  CHECK_THROWS_WITH(Adagrad<double>(p, AdagradOptions().eps(-1)), Contains("Adagrad: eps -1"));
  CHECK_THROWS_WITH(Adagrad<double>(p, AdagradOptions().lr_decay(-1)),
                    Contains("Adagrad: lr decay -1"));
  CHECK_THROWS_WITH(RMSprop<double>(p, RMSpropOptions().lr(-2)),
                    Contains("RMSprop") && Contains("-2"));
  CHECK_THROWS_WITH(RMSprop<double>(p, RMSpropOptions().alpha(1.0)),
                    Contains("RMSprop: alpha 1 is not in [0, 1)"));
  CHECK_THROWS_WITH(RMSprop<double>(p, RMSpropOptions().eps(-1)), Contains("RMSprop: eps -1"));
  CHECK_THROWS_WITH(RMSprop<double>(p, RMSpropOptions().momentum(-0.9)),
                    Contains("RMSprop: momentum -0.9"));
  CHECK_THROWS_WITH(SGD<double>(p, SGDOptions(0.1).nesterov(true)), Contains("Nesterov"));
  CHECK_THROWS_WITH(SGD<double>(p, SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
                    Contains("dampening 0.1"));

  SGD<double> sgd(p, SGDOptions(0.1));
  CHECK_THROWS_WITH(sgd.set_lr(-3), Contains("SGD: learning rate -3"));
  CHECK_THROWS_WITH(sgd.set_lr(std::nan("")), Contains("SGD: learning rate nan"));
  CHECK_THROWS_WITH(sgd.set_steps(-1), Contains("SGD: step count -1"));
  CHECK(sgd.lr() == 0.1);

  Var<double> x(random_array({2}, 8), true);
  Var<double> y = x * x;
  CHECK_THROWS_WITH(SGD<double>({{"y", y}}, SGDOptions(0.1)), Contains("'y' is the result of"));
  CHECK_THROWS_WITH(SGD<double>({{"c", Var<double>(random_array({2}, 9))}}, SGDOptions(0.1)),
                    Contains("'c' requires no gradient"));
  CHECK_THROWS_WITH(SGD<double>({{"e", Var<double>()}}, SGDOptions(0.1)),
                    Contains("'e' is an empty Var"));
  tape<double>().reset();
}
