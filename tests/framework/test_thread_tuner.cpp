// The thread tuner's choices on scripted step times (no clock involved): which count it times,
// what it keeps, when it times both again.
#include <catch2/catch.hpp>
#include <vector>

#include "framework/errors.hpp"
#include "framework/thread_tuner.hpp"

using namespace unroll;

namespace {

// Runs `steps` steps, each taking seconds_on(threads) on the count the tuner set; returns the
// count of every step.
template <class Time>
std::vector<int> run(ThreadTuner& tuner, int steps, Time seconds_on) {
  std::vector<int> used;
  for (int i = 0; i < steps; ++i) {
    tuner.before_step();
    used.push_back(tuner.threads());
    tuner.after_step(seconds_on(tuner.threads()));
  }
  return used;
}

}  // namespace

TEST_CASE("on an idle machine the tuner times both counts alternately and keeps every core",
          "[threads]") {
  ThreadTuner tuner({.max_threads = 2, .probes = 3});
  CHECK(tuner.probing());
  CHECK(tuner.describe() == "auto: timing 1 and 2 threads");
  const auto used = run(tuner, 10, [](int t) { return t == 2 ? 0.55 : 1.0; });
  // A warm-up step on one thread, then 1, 2, 1, 2, 1, 2, then the choice.
  CHECK(used == std::vector<int>{1, 1, 2, 1, 2, 1, 2, 2, 2, 2});
  CHECK_FALSE(tuner.probing());
  CHECK(tuner.describe() == "2 threads (auto)");
}

TEST_CASE("with the other core busy the tuner keeps one thread after a single slow step",
          "[threads]") {
  ThreadTuner tuner({.max_threads = 2, .probes = 3});
  // Two threads waiting on each other at every parallel region: twenty times slower.
  const auto used = run(tuner, 8, [](int t) { return t == 2 ? 20.0 : 1.0; });
  CHECK(used == std::vector<int>{1, 1, 2, 1, 1, 1, 1, 1});
  CHECK(tuner.describe() == "1 thread (auto)");
}

TEST_CASE("a drift of the chosen count's step time makes the tuner time both again", "[threads]") {
  ThreadTuner tuner({.max_threads = 2, .probes = 3, .drift = 1.3, .recheck_s = 1e9});
  run(tuner, 7, [](int t) { return t == 2 ? 0.5 : 1.0; });
  REQUIRE(tuner.threads() == 2);
  // The same speed: no new timing within three windows.
  run(tuner, 9, [](int t) { return t == 2 ? 0.55 : 1.0; });
  CHECK_FALSE(tuner.probing());
  // Another program takes the second core: 2 threads now 3× slower than before. Two windows of
  // three steps in a row are off: then both are timed again, the current count first.
  const auto used = run(tuner, 8, [](int t) { return t == 2 ? 1.5 : 1.0; });
  CHECK(tuner.probing());
  CHECK(used == std::vector<int>{2, 2, 2, 2, 2, 2, 2, 1});
  run(tuner, 4, [](int t) { return t == 2 ? 1.5 : 1.0; });
  CHECK_FALSE(tuner.probing());
  CHECK(tuner.threads() == 1);
}

TEST_CASE("one slow window, or a slow change of the step time, is not a drift", "[threads]") {
  ThreadTuner tuner({.max_threads = 2, .probes = 3, .drift = 1.3, .recheck_s = 1e9});
  run(tuner, 7, [](int t) { return t == 2 ? 1.0 : 2.0; });
  REQUIRE(tuner.threads() == 2);
  SECTION("a hiccup of one window") {
    run(tuner, 3, [](int) { return 5.0; });
    run(tuner, 3, [](int t) { return t == 2 ? 1.0 : 2.0; });
    CHECK_FALSE(tuner.probing());
  }
  SECTION("the step time falling by 20 % a window for five windows") {
    double two = 1.0;
    for (int window = 0; window < 5; ++window, two *= 0.8)
      run(tuner, 3, [&](int t) { return t == 2 ? two : 2.0; });
    CHECK_FALSE(tuner.probing());
    CHECK(tuner.threads() == 2);
  }
}

TEST_CASE("the tuner checks again after recheck_s, or later when probing was costly", "[threads]") {
  SECTION("cheap probing: after recheck_s") {
    ThreadTuner tuner({.max_threads = 2, .probes = 3, .recheck_s = 10, .max_probe_share = 0.5});
    run(tuner, 7, [](int t) { return t == 2 ? 0.5 : 1.0; });
    run(tuner, 18, [](int t) { return t == 2 ? 0.5 : 1.0; });  // 9 s since the choice
    CHECK_FALSE(tuner.probing());
    run(tuner, 3, [](int t) { return t == 2 ? 0.5 : 1.0; });  // 10.5 s
    CHECK(tuner.probing());
  }
  SECTION("one step 19 s too slow at 2% costs 950 s of waiting") {
    ThreadTuner tuner({.max_threads = 2, .probes = 3, .recheck_s = 10, .max_probe_share = 0.02});
    run(tuner, 3, [](int t) { return t == 2 ? 20.0 : 1.0; });
    REQUIRE(tuner.threads() == 1);
    run(tuner, 900, [](int) { return 1.0; });
    CHECK_FALSE(tuner.probing());
    run(tuner, 51, [](int) { return 1.0; });
    CHECK(tuner.probing());
  }
}

TEST_CASE("the tuner times blocks of steps and switches only between blocks", "[threads]") {
  ThreadTuner tuner({.max_threads = 2, .block = 4, .probes = 2});
  const auto used = run(tuner, 24, [](int t) { return t == 2 ? 0.5 : 1.0; });
  const std::vector<int> blocks = {1, 1, 2, 1, 2, 2};  // warm-up, 1, 2, 1, 2, chosen
  for (std::size_t i = 0; i < used.size(); ++i) CHECK(used[i] == blocks[i / 4]);
}

TEST_CASE("on one processor the tuner has nothing to choose", "[threads]") {
  ThreadTuner tuner({.max_threads = 1});
  CHECK_FALSE(tuner.probing());
  const auto used = run(tuner, 5, [](int) { return 1.0; });
  CHECK(used == std::vector<int>(5, 1));
  CHECK(tuner.describe() == "1 thread (auto)");
}

TEST_CASE("the tuner refuses settings that cannot work, naming them", "[threads][errors]") {
  CHECK_THROWS_WITH(ThreadTuner({.max_threads = -1}), Catch::Contains("max_threads -1"));
  CHECK_THROWS_WITH(ThreadTuner({.block = 0}), Catch::Contains("block of 0 steps"));
  CHECK_THROWS_WITH(ThreadTuner({.probes = 0}), Catch::Contains("0 probes"));
  CHECK_THROWS_WITH(ThreadTuner({.drift = 1.0}), Catch::Contains("drift 1"));
  CHECK_THROWS_AS(ThreadTuner({.recheck_s = -1}), ValueError);
  CHECK_THROWS_AS(ThreadTuner({.max_probe_share = 0}), ValueError);
}
