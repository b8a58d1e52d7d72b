#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "framework/errors.hpp"
#include "models/decoding/beam_search.hpp"
#include "models/tasks/random.hpp"

using namespace unroll;

namespace {

constexpr std::int64_t kStart = 0, kEnd = 1;
constexpr std::size_t kSymbols = 6;

// A fixed toy model whose next-symbol distribution depends on the whole prefix: log-softmax of
// logits hashed from the prefix. Stateless, so a hypothesis can be scored again from its ids.
std::array<double, kSymbols> toy_log_probs(const std::vector<std::int64_t>& prefix) {
  std::uint64_t h = 12345;
  for (const auto id : prefix) h = tasks::splitmix64(h + static_cast<std::uint64_t>(id) + 1);
  std::array<double, kSymbols> lp{};
  double z = 0;
  for (std::size_t v = 0; v < kSymbols; ++v) {
    h = tasks::splitmix64(h);
    lp[v] = static_cast<double>(h >> 40) * 0x1p-24 * 4.0;  // logits in [0, 4)
    z += std::exp(lp[v]);
  }
  for (auto& x : lp) x -= std::log(z);
  return lp;
}

// The toy model as a step callback that keeps, like a real decoder, one state per row (here the
// prefix read so far) and reorders it along `parents`.
struct ToyDecoder {
  std::vector<std::vector<std::int64_t>> rows = {{}};
  Array<float> operator()(const IndexArray& ids, const std::vector<std::size_t>& parents) {
    std::vector<std::vector<std::int64_t>> next;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      next.push_back(rows.at(parents[k]));
      next.back().push_back(ids(k));
    }
    rows = next;
    Array<float> out = Array<float>::from_shape({ids.size(), kSymbols});
    for (std::size_t k = 0; k < ids.size(); ++k) {
      const auto lp = toy_log_probs(rows[k]);
      for (std::size_t v = 0; v < kSymbols; ++v) out(k, v) = static_cast<float>(lp[v]);
    }
    return out;
  }
};

DecodeStep toy_step() {
  auto decoder = std::make_shared<ToyDecoder>();
  return [decoder](const IndexArray& ids, const std::vector<std::size_t>& parents) {
    return (*decoder)(ids, parents);
  };
}

// Σ log p of ids under the toy model, from scratch (the start symbol first).
double rescore(const std::vector<std::int64_t>& ids) {
  std::vector<std::int64_t> prefix = {kStart};
  double total = 0;
  for (const auto id : ids) {
    total += static_cast<float>(toy_log_probs(prefix)[static_cast<std::size_t>(id)]);
    prefix.push_back(id);
  }
  return total;
}

// A Markov table by the last symbol: p(next | last) with 0 for anything unlisted.
DecodeStep table_step(const std::map<std::int64_t, std::map<std::int64_t, double>>& table) {
  return [table](const IndexArray& ids, const std::vector<std::size_t>&) {
    Array<float> out = Array<float>::from_shape({ids.size(), std::size_t{5}});
    out.fill(-INFINITY);
    for (std::size_t k = 0; k < ids.size(); ++k)
      for (const auto& [symbol, p] : table.at(ids(k)))
        out(k, static_cast<std::size_t>(symbol)) = static_cast<float>(std::log(p));
    return out;
  };
}

}  // namespace

TEST_CASE("beam search: beam 1 is greedy on a fixed toy model", "[decoding]") {
  for (std::size_t max_length : {1, 3, 12}) {
    DecodeOptions o{kStart, kEnd, max_length, 1};
    const Hypothesis greedy = greedy_decode(toy_step(), o);
    const auto beam = beam_search(toy_step(), o);
    REQUIRE(beam.size() == 1);
    CHECK(beam[0].ids == greedy.ids);
    CHECK(beam[0].ended == greedy.ended);
    CHECK(beam[0].log_prob == Approx(greedy.log_prob).epsilon(1e-6));
    CHECK(greedy.log_prob == Approx(rescore(greedy.ids)).epsilon(1e-6));
    CHECK(greedy.ids.size() <= max_length);
    CHECK((greedy.ended || greedy.ids.size() == max_length));
  }
}

TEST_CASE("beam search: K hypotheses, best first, scored right through reordered states",
          "[decoding]") {
  const DecodeOptions o{kStart, kEnd, 8, 5};
  const auto beam = beam_search(toy_step(), o);
  REQUIRE(beam.size() == 5);
  for (std::size_t i = 0; i < beam.size(); ++i) {
    INFO("hypothesis " << i);
    // The callback's reordered prefixes gave the same scores as scoring each from scratch.
    CHECK(beam[i].log_prob == Approx(rescore(beam[i].ids)).epsilon(1e-6));
    if (i > 0) CHECK(beam[i - 1].log_prob >= beam[i].log_prob);
    CHECK(beam[i].ended == (beam[i].ids.back() == kEnd));
    CHECK(std::count(beam[i].ids.begin(), beam[i].ids.end(), kEnd) == beam[i].ended);
  }
  // A wider beam finds at least as good a best hypothesis as greedy does.
  CHECK(beam[0].log_prob >= greedy_decode(toy_step(), o).log_prob - 1e-6);
}

TEST_CASE("beam search: a case where greedy is wrong and beam 2 is right", "[decoding]") {
  // Symbols: 0 start, 1 end, 2 a, 3 b, 4 c. p(a end) = .6·.45 = .27, p(a c end) = .6·.55 = .33,
  // p(b end) = .4·.9 = .36: greedy takes a (.6), then c, and misses b end.
  const auto step = table_step({{0, {{2, 0.6}, {3, 0.4}}},
                                {2, {{1, 0.45}, {4, 0.55}}},
                                {3, {{1, 0.9}, {4, 0.1}}},
                                {4, {{1, 1.0}}}});
  const DecodeOptions o{0, 1, 10, 2};
  const Hypothesis greedy = greedy_decode(step, o);
  CHECK(greedy.ids == std::vector<std::int64_t>{2, 4, 1});
  const auto beam = beam_search(step, o);
  REQUIRE(beam.size() == 2);
  CHECK(beam[0].ids == std::vector<std::int64_t>{3, 1});
  CHECK(beam[0].log_prob == Approx(std::log(0.36)));
  CHECK(beam[1].ids == std::vector<std::int64_t>{2, 4, 1});
  CHECK(beam[1].log_prob == Approx(std::log(0.33)));
  CHECK(beam[0].ended);
  // Impossible symbols (−∞) are never chosen: only four sentences have p > 0.
  CHECK(beam_search(step, {0, 1, 10, 9}).size() == 4);  // b end, a c end, a end, b c end
}

TEST_CASE("beam search: max_length cuts open hypotheses; bad options and answers are errors",
          "[decoding]") {
  const auto loop = table_step({{0, {{2, 1.0}}}, {2, {{2, 0.9}, {1, 0.1}}}});
  const auto cut = beam_search(loop, {0, 1, 3, 1});
  REQUIRE(cut.size() == 1);
  CHECK(cut[0].ids == std::vector<std::int64_t>{2, 2, 2});
  CHECK_FALSE(cut[0].ended);
  CHECK_FALSE(greedy_decode(loop, {0, 1, 3, 1}).ended);
  CHECK_THROWS_WITH(beam_search(loop, {0, 1, 3, 0}), Catch::Contains("beam 0"));
  CHECK_THROWS_WITH(greedy_decode(loop, {0, 1, 0, 1}), Catch::Contains("max_length 0"));
  const DecodeStep wrong = [](const IndexArray&, const std::vector<std::size_t>&) {
    return Array<float>::from_shape({std::size_t{2}, std::size_t{5}});
  };
  CHECK_THROWS_AS(beam_search(wrong, {0, 1, 3, 2}), ShapeError);
  const DecodeStep nan = [](const IndexArray& ids, const std::vector<std::size_t>&) {
    Array<float> out = Array<float>::from_shape({ids.size(), std::size_t{5}});
    out.fill(NAN);
    return out;
  };
  CHECK_THROWS_WITH(greedy_decode(nan, {0, 1, 3, 2}), Catch::Contains("NaN for symbol 0"));
}
