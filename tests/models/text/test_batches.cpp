#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <numeric>
#include <set>

#include "framework/errors.hpp"
#include "models/text/batches.hpp"

using namespace unroll;

namespace {
std::vector<std::int64_t> iota_ids(std::size_t n) {
  std::vector<std::int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  return ids;
}
}  // namespace

TEST_CASE("with batch 1 the first window is ids[0..T) → ids[1..T]", "[text][batches]") {
  StreamBatcher batches(iota_ids(20), 1, 5);
  const auto b = batches.next();
  CHECK(b.starts_epoch);
  for (std::size_t t = 0; t < 5; ++t) {
    CHECK(b.inputs(0, t) == static_cast<std::int64_t>(t));
    CHECK(b.targets(0, t) == static_cast<std::int64_t>(t + 1));
  }
}

TEST_CASE("B contiguous streams, consecutive windows continue each stream, epochs wrap",
          "[text][batches]") {
  // 25 ids, B = 2: streams of L = 12 start at 0 and 12; T = 4 gives 3 windows per epoch.
  StreamBatcher batches(iota_ids(25), 2, 4);
  CHECK(batches.windows_per_epoch() == 3);
  const auto w0 = batches.next();
  const auto w1 = batches.next();
  CHECK(w0.inputs(0, 0) == 0);
  CHECK(w0.inputs(1, 0) == 12);
  CHECK(w1.inputs(0, 0) == 4);  // stream 0 continues where window 0 stopped
  CHECK(w1.inputs(1, 0) == 16);
  CHECK_FALSE(w1.starts_epoch);
  CHECK(w1.targets(1, 3) == 20);
  batches.next();
  const auto again = batches.next();  // epoch 1 starts over
  CHECK(again.starts_epoch);
  CHECK(again.inputs(0, 0) == 0);
  CHECK(batches.position().epoch == 1);
  CHECK(batches.position().window == 1);
}

TEST_CASE("random offsets shift later epochs, seeking resumes exactly", "[text][batches]") {
  StreamBatcher a(iota_ids(103), 2, 7, true, 5);  // L = 51, W = 7, slack 2
  std::vector<std::int64_t> firsts;
  for (int i = 0; i < 7 * 6; ++i) {
    const auto b = a.next();
    if (b.starts_epoch) firsts.push_back(b.inputs(0, 0));
  }
  CHECK(firsts[0] == 0);
  CHECK(std::any_of(firsts.begin() + 1, firsts.end(), [](auto v) { return v != 0; }));
  for (auto v : firsts) CHECK(v <= 2);

  StreamBatcher straight(iota_ids(103), 2, 7, true, 5), resumed(iota_ids(103), 2, 7, true, 5);
  for (int i = 0; i < 17; ++i) straight.next();
  resumed.seek(straight.position());
  for (int i = 0; i < 10; ++i) {
    const bool same = straight.next().inputs == resumed.next().inputs;
    CHECK(same);
  }
}

TEST_CASE("random windows: B windows anywhere in the text, a function of the step",
          "[text][batches]") {
  const StreamBatcher a(iota_ids(100), 4, 9, false, 3), b(iota_ids(100), 4, 9, false, 3);
  std::set<std::int64_t> starts;
  for (std::uint64_t step = 0; step < 50; ++step) {
    const auto w = a.random_windows(step);
    CHECK(w.starts_epoch);  // every window from a zero state
    const bool same = w.inputs == b.random_windows(step).inputs;
    CHECK(same);  // deterministic: a resumed run draws the same windows
    for (std::size_t r = 0; r < 4; ++r) {
      starts.insert(w.inputs(r, 0));
      CHECK(w.inputs(r, 0) + 9 <= 99);  // the last target, start + 9, is inside the text
      for (std::size_t t = 0; t < 9; ++t) {
        CHECK(w.inputs(r, t) == w.inputs(r, 0) + static_cast<std::int64_t>(t));
        CHECK(w.targets(r, t) == w.inputs(r, t) + 1);
      }
    }
  }
  CHECK(starts.size() > 50);  // spread over the text, not a few fixed offsets
  const bool differ = a.random_windows(1).inputs != a.random_windows(2).inputs;
  CHECK(differ);
}

TEST_CASE("too small a corpus says what to change", "[text][batches][errors]") {
  CHECK_THROWS_WITH(StreamBatcher(iota_ids(9), 2, 4), Catch::Contains("9 symbols") &&
                                                          Catch::Contains("10 are needed") &&
                                                          Catch::Contains("lower the batch size"));
  CHECK_THROWS_AS(StreamBatcher(iota_ids(9), 0, 4), ValueError);
  CHECK_THROWS_AS(StreamBatcher(iota_ids(9), 1, 0), ValueError);
  StreamBatcher ok(iota_ids(10), 2, 4);
  CHECK_THROWS_AS(ok.seek({0, 1}), ValueError);
}

// Found by tests/fuzz/fuzz_corpus.cpp: B·(T + 1) overflowed, so B = 2, T = 2^63 passed the size
// check and next() wrote 2^64 elements into a batch array of 0 (charlm train --seq 2^63 --batch 2).
TEST_CASE("a batch too large to count is refused, not wrapped around", "[text][batches][errors]") {
  const std::size_t half = std::size_t{1} << 63;
  CHECK_THROWS_WITH(StreamBatcher(iota_ids(100), 2, half),
                    Catch::Contains("= 18446744073709551618 are needed"));
  CHECK_THROWS_AS(StreamBatcher(iota_ids(100), half, 1), ValueError);
  CHECK_THROWS_AS(StreamBatcher(iota_ids(100), 1, SIZE_MAX), ValueError);
  CHECK_THROWS_AS(StreamBatcher(iota_ids(100), SIZE_MAX, SIZE_MAX), ValueError);
  CHECK_NOTHROW(StreamBatcher(iota_ids(100), 2, 49));  // 2 · 50 = 100: just enough
  CHECK_THROWS_AS(StreamBatcher(iota_ids(100), 2, 50), ValueError);
}

TEST_CASE("ids outside 32 bits are refused, naming the position", "[text][batches][errors]") {
  auto ids = iota_ids(20);
  ids[7] = -3;
  CHECK_THROWS_WITH(StreamBatcher(ids, 2, 4), Catch::Contains("symbol id -3 at position 7"));
  ids[7] = std::int64_t{1} << 31;
  CHECK_THROWS_AS(StreamBatcher(ids, 2, 4), ValueError);
}
