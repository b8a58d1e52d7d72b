#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "framework/errors.hpp"
#include "framework/ops/nn.hpp"
#include "models/tasks/adding.hpp"
#include "models/tasks/copy_memory.hpp"
#include "models/tasks/random.hpp"
#include "models/tasks/temporal_order.hpp"

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

TEST_CASE("copy memory: the exact layout", "[tasks]") {
  const std::size_t T = 5, B = 300, L = T + 20;
  const CopyMemory task(T, 1);
  CHECK(task.name() == "copy_memory");
  CHECK(task.length() == L);
  CHECK(task.vocabulary() == 10);
  CHECK(task.output_size() == 10);
  const auto b = task.batch(B, 0);
  CHECK(b.input_ids.shape() == IndexArray::shape_type{B, L});
  CHECK(b.target_ids.shape() == IndexArray::shape_type{B, L});
  CHECK(b.inputs.dimension() == 0);
  CHECK(b.targets.dimension() == 0);
  std::set<std::int64_t> symbols;
  for (std::size_t r = 0; r < B; ++r) {
    for (std::size_t t = 0; t < 10; ++t) {
      REQUIRE((b.input_ids(r, t) >= 1 && b.input_ids(r, t) <= 8));
      symbols.insert(b.input_ids(r, t));
    }
    for (std::size_t t = 10; t < T + 9; ++t) REQUIRE(b.input_ids(r, t) == 0);
    REQUIRE(b.input_ids(r, T + 9) == 9);
    for (std::size_t t = T + 10; t < L; ++t) REQUIRE(b.input_ids(r, t) == 0);
    for (std::size_t t = 0; t < T + 10; ++t) REQUIRE(b.target_ids(r, t) == 0);
    for (std::size_t i = 0; i < 10; ++i) REQUIRE(b.target_ids(r, T + 10 + i) == b.input_ids(r, i));
  }
  CHECK(symbols.size() == 8);
}

TEST_CASE("copy memory: the memoryless strategy scores exactly 10·ln 8 / (T + 20)", "[tasks]") {
  for (std::size_t T : {1, 10, 100}) {
    const CopyMemory task(T, 3);
    const std::size_t B = 16, L = task.length();
    const auto b = task.batch(B, 2);
    // Blank with probability 1 on the first T + 10 steps, uniform over 1..8 on the last 10: the
    // other symbols' logits are so low that their probability is exactly 0 in double.
    Array<double> logits = Array<double>::from_shape(std::array{B, L, std::size_t{10}});
    for (std::size_t r = 0; r < B; ++r)
      for (std::size_t t = 0; t < L; ++t)
        for (std::size_t k = 0; k < 10; ++k) {
          const bool likely = t < T + 10 ? k == 0 : (k >= 1 && k <= 8);
          logits(r, t, k) = likely ? 0.0 : -1e4;
        }
    const double loss = cross_entropy(Var<double>(logits), b.target_ids).value()();
    CHECK(task.baseline_cross_entropy() == Approx(10 * std::log(8.0) / double(T + 20)));
    CHECK(loss == Approx(task.baseline_cross_entropy()).epsilon(1e-12));
  }
}

TEST_CASE("copy memory: recall accuracy over the last 10 steps", "[tasks]") {
  const std::size_t T = 4, B = 3, L = T + 20;
  const CopyMemory task(T, 1);
  const auto b = task.batch(B, 0);
  Array<float> logits = Array<float>::from_shape(std::array{B, L, std::size_t{10}});
  logits.fill(0.0f);
  for (std::size_t r = 0; r < B; ++r)
    for (std::size_t t = 0; t < L; ++t) logits(r, t, b.target_ids(r, t)) = 1.0f;
  CHECK(task.recall_accuracy(Var<float>(logits), b.target_ids) == 1.0);
  // Wrong on the first 5 recalled steps of every row (blank there); the blank steps never count.
  for (std::size_t r = 0; r < B; ++r) {
    for (std::size_t t = T + 10; t < T + 15; ++t) logits(r, t, 0) = 2.0f;
    logits(r, 0, 9) = 2.0f;
  }
  CHECK(task.recall_accuracy(Var<float>(logits), b.target_ids) == 0.5);
  logits.fill(0.0f);  // ties go to the blank
  CHECK(task.recall_accuracy(Var<float>(logits), b.target_ids) == 0.0);
  Array<float> wrong = Array<float>::from_shape(std::array{B, L, std::size_t{9}});
  CHECK_THROWS_AS(task.recall_accuracy(Var<float>(wrong), b.target_ids), ShapeError);
  const IndexArray short_targets = IndexArray::from_shape(std::array{B, L - 1});
  CHECK_THROWS_AS(task.recall_accuracy(Var<float>(logits), short_targets), ShapeError);
}

TEST_CASE("temporal order: shapes, relevant symbols in their windows, class = their order",
          "[tasks]") {
  const std::size_t T = 100, B = 500;
  const TemporalOrder task(T, 1);
  CHECK(task.name() == "temporal_order");
  CHECK(task.vocabulary() == 6);
  CHECK(task.output_size() == 4);
  CHECK(task.first_window().begin == 10);
  CHECK(task.first_window().end == 20);
  CHECK(task.second_window().begin == 50);
  CHECK(task.second_window().end == 60);
  const auto b = task.batch(B, 0);
  CHECK(b.input_ids.shape() == IndexArray::shape_type{B, T});
  CHECK(b.target_ids.shape() == IndexArray::shape_type{B});
  CHECK(b.inputs.dimension() == 0);
  std::set<std::size_t> firsts, seconds;
  std::set<std::int64_t> distractors;
  for (std::size_t r = 0; r < B; ++r) {
    std::vector<std::size_t> relevant;
    for (std::size_t t = 0; t < T; ++t) {
      const std::int64_t s = b.input_ids(r, t);
      REQUIRE((s >= 0 && s <= 5));
      if (s >= 4)
        relevant.push_back(t);
      else
        distractors.insert(s);
    }
    REQUIRE(relevant.size() == 2);
    REQUIRE((relevant[0] >= 10 && relevant[0] < 20));
    REQUIRE((relevant[1] >= 50 && relevant[1] < 60));
    firsts.insert(relevant[0]);
    seconds.insert(relevant[1]);
    const std::int64_t order =
        2 * (b.input_ids(r, relevant[0]) == 5) + (b.input_ids(r, relevant[1]) == 5);
    REQUIRE(b.target_ids(r) == order);
  }
  CHECK(firsts.size() == 10);
  CHECK(seconds.size() == 10);
  CHECK(distractors.size() == 4);
}

TEST_CASE("temporal order: the shortest length, T = 10, has one step per window", "[tasks]") {
  const TemporalOrder task(10, 2);
  const auto b = task.batch(50, 0);
  for (std::size_t r = 0; r < 50; ++r) {
    REQUIRE(b.input_ids(r, 1) >= 4);
    REQUIRE(b.input_ids(r, 5) >= 4);
  }
}

TEST_CASE("temporal order: classes within 0.05 of 1/4 over 4000 samples, and the ln 4 baseline",
          "[tasks]") {
  const TemporalOrder task(20, 7);
  std::array<std::size_t, 4> counts{};
  for (std::uint64_t i = 0; i < 40; ++i)
    for (std::int64_t c : task.batch(100, i).target_ids) ++counts.at(static_cast<std::size_t>(c));
  for (std::size_t c : counts) CHECK(std::abs(static_cast<double>(c) / 4000.0 - 0.25) < 0.05);

  const auto b = task.batch(64, 0);
  Array<double> uniform = Array<double>::from_shape(std::array{std::size_t{64}, std::size_t{4}});
  uniform.fill(0.3);
  CHECK(cross_entropy(Var<double>(uniform), b.target_ids).value()() ==
        Approx(TemporalOrder::baseline_cross_entropy()));
  CHECK(TemporalOrder::baseline_cross_entropy() == Approx(std::log(4.0)));
}

TEST_CASE("every task: a batch is a pure function of (seed, index)", "[tasks]") {
  check_deterministic(Adding(12, 1));
  check_deterministic(CopyMemory(12, 1));
  check_deterministic(TemporalOrder(12, 1));
  check_seeds_differ(Adding(12, 1), Adding(12, 2));
  check_seeds_differ(CopyMemory(12, 1), CopyMemory(12, 2));
  check_seeds_differ(TemporalOrder(12, 1), TemporalOrder(12, 2));
}

TEST_CASE("every task: too short a length, or batch size 0, is a ValueError naming both",
          "[tasks]") {
  CHECK(throws_naming([] { Adding(1, 1); }, "adding", "length 1"));
  CHECK(throws_naming([] { CopyMemory(0, 1); }, "copy_memory", "delay 0"));
  CHECK(throws_naming([] { TemporalOrder(9, 1); }, "temporal_order", "length 9"));
  CHECK_NOTHROW(Adding(2, 1).batch(1, 0));
  CHECK_NOTHROW(CopyMemory(1, 1).batch(1, 0));
  CHECK_NOTHROW(TemporalOrder(10, 1).batch(1, 0));
  CHECK(throws_naming([] { Adding(10, 1).batch(0, 0); }, "adding", "batch size 0"));
  CHECK(throws_naming([] { CopyMemory(10, 1).batch(0, 0); }, "copy_memory", "batch size 0"));
  CHECK(throws_naming([] { TemporalOrder(10, 1).batch(0, 0); }, "temporal_order", "batch size 0"));
}
