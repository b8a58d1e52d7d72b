#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "framework/errors.hpp"
#include "models/tasks/adding.hpp"
#include "models/tasks/random.hpp"

using namespace unroll;
using namespace unroll::tasks;

namespace {

template <class Task>
void check_deterministic(const Task& task) {
  const auto a = task.batch(8, 3), again = task.batch(8, 3), next = task.batch(8, 4);
  CHECK(a.inputs == again.inputs);
  CHECK(a.input_ids == again.input_ids);
  CHECK(a.targets == again.targets);
  CHECK(a.target_ids == again.target_ids);
  CHECK_FALSE((a.inputs == next.inputs && a.input_ids == next.input_ids));
}

// (seed, index) = (1, 1) and (2, 0) differ: the mixing is not seed + index.
template <class Task>
void check_seeds_differ(const Task& seed1, const Task& seed2) {
  const auto a = seed1.batch(8, 1), b = seed2.batch(8, 0);
  CHECK_FALSE((a.inputs == b.inputs && a.input_ids == b.input_ids));
}

bool throws_naming(const std::function<void()>& f, const std::string& task,
                   const std::string& value) {
  try {
    f();
  } catch (const ValueError& e) {
    const std::string what = e.what();
    return what.find(task) != std::string::npos && what.find(value) != std::string::npos;
  }
  return false;
}

}  // namespace

TEST_CASE("splitmix64 is Vigna's SplitMix64 step", "[tasks]") {
  CHECK(splitmix64(0) == 0xE220A8397B1DCDAFULL);  // SplitMix64's first output from state 0
  auto a = batch_rng(7, 2), b = batch_rng(7, 2), c = batch_rng(7, 3);
  CHECK(a() == b());
  CHECK(a() != c());
}

TEST_CASE("adding: shapes, two markers (one per half), target = their values' sum", "[tasks]") {
  const std::size_t T = 9, B = 400;  // odd: halves [0, 4) and [4, 9)
  const Adding task(T, 1);
  CHECK(task.name() == "adding");
  CHECK(task.input_size() == 2);
  CHECK(task.output_size() == 1);
  const auto b = task.batch(B, 0);
  CHECK(b.inputs.shape() == Shape{B, T, 2});
  CHECK(b.targets.shape() == Shape{B, 1});
  CHECK(b.input_ids.dimension() == 0);
  CHECK(b.target_ids.dimension() == 0);
  std::set<std::size_t> firsts, seconds;
  for (std::size_t r = 0; r < B; ++r) {
    std::vector<std::size_t> marked;
    for (std::size_t t = 0; t < T; ++t) {
      const float v = b.inputs(r, t, 0), m = b.inputs(r, t, 1);
      REQUIRE((v >= 0.0f && v < 1.0f));
      REQUIRE((m == 0.0f || m == 1.0f));
      if (m == 1.0f) marked.push_back(t);
    }
    REQUIRE(marked.size() == 2);
    REQUIRE(marked[0] < 4);
    REQUIRE(marked[1] >= 4);
    firsts.insert(marked[0]);
    seconds.insert(marked[1]);
    REQUIRE(b.targets(r, 0) == b.inputs(r, marked[0], 0) + b.inputs(r, marked[1], 0));
  }
  CHECK(firsts.size() == 4);  // every step of each half holds a marker in some row
  CHECK(seconds.size() == 5);
}

TEST_CASE("adding: always predicting 1 scores the 1/6 baseline", "[tasks]") {
  const Adding task(20, 5);
  double sum = 0;
  std::size_t n = 0;
  for (std::uint64_t i = 0; i < 40; ++i) {
    const auto b = task.batch(1000, i);
    for (float y : b.targets) sum += (y - 1.0) * (y - 1.0), ++n;
  }
  CHECK(Adding::baseline_mse() == Approx(1.0 / 6.0));
  CHECK(std::abs(sum / static_cast<double>(n) - Adding::baseline_mse()) < 0.005);
}

TEST_CASE("every task: a batch is a pure function of (seed, index)", "[tasks]") {
  check_deterministic(Adding(12, 1));
  check_seeds_differ(Adding(12, 1), Adding(12, 2));
}

TEST_CASE("every task: too short a length, or batch size 0, is a ValueError naming both",
          "[tasks]") {
  CHECK(throws_naming([] { Adding(1, 1); }, "adding", "length 1"));
  CHECK_NOTHROW(Adding(2, 1).batch(1, 0));
  CHECK(throws_naming([] { Adding(10, 1).batch(0, 0); }, "adding", "batch size 0"));
}
