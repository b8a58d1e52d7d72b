// Learning-rate schedules: known values of each formula, state export/import, argument errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "framework/errors.hpp"
#include "framework/optim/schedule.hpp"

using namespace unroll;
using Catch::Contains;

TEST_CASE("Constant", "[optim][schedule]") {
  Constant s(0.3);
  CHECK(s.lr(0) == 0.3);
  CHECK(s.lr(1000000) == 0.3);
  CHECK(s.state().empty());
}

TEST_CASE("StepDecay multiplies by gamma every step_size steps", "[optim][schedule]") {
  StepDecay s(1.0, 3, 0.5);
  CHECK(s.lr(0) == 1.0);
  CHECK(s.lr(2) == 1.0);
  CHECK(s.lr(3) == 0.5);
  CHECK(s.lr(5) == 0.5);
  CHECK(s.lr(6) == 0.25);
  CHECK(s.lr(31) == Approx(std::pow(0.5, 10)));
}

TEST_CASE("ExponentialDecay", "[optim][schedule]") {
  ExponentialDecay s(2e-3, 0.97);
  CHECK(s.lr(0) == 2e-3);
  CHECK(s.lr(1) == Approx(2e-3 * 0.97));
  CHECK(s.lr(10) == Approx(2e-3 * std::pow(0.97, 10)));
}

TEST_CASE("CosineWithWarmup warms up linearly, then follows a half cosine", "[optim][schedule]") {
  CosineWithWarmup s(1.0, 10, 110, 0.1);
  CHECK(s.lr(0) == 0.0);
  CHECK(s.lr(1) == Approx(0.1));
  CHECK(s.lr(5) == Approx(0.5));
  CHECK(s.lr(9) == Approx(0.9));
  CHECK(s.lr(10) == Approx(1.0));                                   // the peak
  CHECK(s.lr(35) == Approx(0.1 + 0.9 * (1 + std::sqrt(0.5)) / 2));  // a quarter of the way
  CHECK(s.lr(60) == Approx(0.55));                                  // halfway: the mean
  CHECK(s.lr(110) == Approx(0.1));
  CHECK(s.lr(500) == 0.1);
  for (std::int64_t t = 10; t < 110; ++t) CHECK(s.lr(t + 1) <= s.lr(t));

  CosineWithWarmup no_warmup(0.5, 0, 4);
  CHECK(no_warmup.lr(0) == 0.5);
  CHECK(no_warmup.lr(2) == Approx(0.25));
  CHECK(no_warmup.lr(4) == 0.0);
  CosineWithWarmup warmup_only(0.5, 4, 4, 0.2);
  CHECK(warmup_only.lr(2) == Approx(0.25));
  CHECK(warmup_only.lr(4) == 0.2);
}

TEST_CASE("PlateauHalving halves after `patience` evaluations without improvement",
          "[optim][schedule]") {
  PlateauHalving s(1.0, 2, 0.01);
  CHECK_FALSE(s.observe(4.0));   // the first loss improves on +∞
  CHECK_FALSE(s.observe(3.0));   // improves
  CHECK_FALSE(s.observe(2.98));  // within 1% of 3: not an improvement (1 bad)
  CHECK(s.lr(0) == 1.0);
  CHECK(s.observe(3.5));  // 2 bad: halve
  CHECK(s.lr(123) == 0.5);
  CHECK_FALSE(s.observe(2.5));  // improves (best 2.5, count reset)
  CHECK_FALSE(s.observe(2.6));
  CHECK(s.observe(std::nan("")));  // NaN never improves
  CHECK(s.lr(0) == 0.25);
  CHECK_FALSE(s.observe(2.7));

  SECTION("state round-trips through a checkpoint") {
    const std::vector<double> state = s.state();
    CHECK(state == std::vector<double>{0.25, 2.5, 1.0});
    PlateauHalving resumed(1.0, 2, 0.01);
    resumed.load_state(state);
    CHECK(resumed.lr(0) == 0.25);
    CHECK(resumed.observe(2.8));  // the second bad evaluation, as it would be for s
    CHECK(s.observe(2.8));
    CHECK(resumed.state() == s.state());
  }
  SECTION("min_lr is a floor") {
    PlateauHalving floor(1.0, 1, 0.0, 0.3);
    floor.observe(1.0);
    CHECK(floor.observe(1.0));
    CHECK(floor.lr(0) == 0.5);
    CHECK(floor.observe(1.0));
    CHECK(floor.lr(0) == 0.3);
    CHECK_FALSE(floor.observe(1.0));  // already at the floor
    CHECK(floor.lr(0) == 0.3);
  }
}

TEST_CASE("Warmup ramps another schedule up linearly and keeps its state", "[optim][schedule]") {
  Warmup s(std::make_unique<StepDecay>(1.0, 4, 0.5), 2);
  CHECK(s.lr(0) == 0.0);
  CHECK(s.lr(1) == 0.5);
  CHECK(s.lr(2) == 1.0);
  CHECK(s.lr(4) == 0.5);  // StepDecay's own rate from step 2 on
  Warmup plateau(std::make_unique<PlateauHalving>(1.0, 1), 4);
  auto& inner = static_cast<PlateauHalving&>(plateau.after());
  inner.observe(1.0);
  inner.observe(2.0);  // no improvement: halved
  CHECK(plateau.lr(1) == 0.125);
  CHECK(plateau.state() == inner.state());
  Warmup resumed(std::make_unique<PlateauHalving>(1.0, 1), 4);
  resumed.load_state(plateau.state());
  CHECK(resumed.lr(10) == 0.5);
  CHECK_THROWS_WITH(Warmup(std::make_unique<Constant>(1.0), 0), Contains("0 warm-up steps"));
}

TEST_CASE("the pure schedules have no state to checkpoint", "[optim][schedule]") {
  StepDecay s(1.0, 3, 0.5);
  CHECK(s.state().empty());
  s.load_state({});
  CHECK_THROWS_AS(s.load_state({1.0}), ValueError);
  PlateauHalving p(1.0, 2);
  CHECK_THROWS_WITH(p.load_state({1.0, 2.0}),
                    Contains("2 numbers given, the schedule's state has 3"));
}

TEST_CASE("schedules reject bad arguments", "[optim][schedule]") {
  CHECK_THROWS_WITH(Constant(-1.0), Contains("Constant: lr -1"));
  CHECK_THROWS_WITH(StepDecay(0.1, 0, 0.5), Contains("StepDecay: step size 0"));
  CHECK_THROWS_WITH(StepDecay(0.1, 10, 0.0), Contains("StepDecay: gamma 0"));
  CHECK_THROWS_WITH(ExponentialDecay(0.1, -0.9), Contains("ExponentialDecay: gamma -0.9"));
  CHECK_THROWS_WITH(ExponentialDecay(0.1, 0.9).lr(-1), Contains("ExponentialDecay: step -1"));
  CHECK_THROWS_WITH(CosineWithWarmup(0.1, 20, 10), Contains("got 20 and 10"));
  CHECK_THROWS_WITH(CosineWithWarmup(0.1, 0, 10, 0.2), Contains("min_lr 0.2 exceeds lr 0.1"));
  CHECK_THROWS_WITH(PlateauHalving(0.1, 0), Contains("PlateauHalving: patience 0"));
  CHECK_THROWS_WITH(PlateauHalving(0.1, 1, -0.1), Contains("PlateauHalving: threshold -0.1"));
}
