#include "models/decoding/beam_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "framework/errors.hpp"

namespace unroll {

namespace {

// step's answer for K rows, checked to be [K, V] with V past both special symbols, without NaN.
Array<float> scores(const DecodeStep& step, const IndexArray& ids,
                    const std::vector<std::size_t>& parents, const DecodeOptions& o,
                    const char* who) {
  Array<float> lp = step(ids, parents);
  const auto needed = static_cast<std::size_t>(std::max(o.start, o.end)) + 1;
  if (lp.dimension() != 2 || lp.shape(0) != ids.size() || lp.shape(1) < needed)
    throw ShapeError(
        fmt::format("{}: step returned {} for {} hypotheses; expected [{}, V] with "
                    "V ≥ {}",
                    who, shape_str(lp.shape()), ids.size(), ids.size(), needed));
  for (std::size_t k = 0; k < lp.shape(0); ++k)
    for (std::size_t v = 0; v < lp.shape(1); ++v)
      if (std::isnan(lp(k, v)))
        throw ValueError(
            fmt::format("{}: step gave NaN for symbol {} of hypothesis {}", who, v, k));
  return lp;
}

void check_options(const DecodeOptions& o, const char* who, bool beam) {
  if (o.max_length == 0 || (beam && o.beam == 0))
    throw ValueError(
        fmt::format("{}: max_length {} and beam {} must be positive", who, o.max_length, o.beam));
  if (o.start < 0 || o.end < 0)
    throw ValueError(
        fmt::format("{}: symbols start {} and end {} must not be negative", who, o.start, o.end));
}

IndexArray as_ids(const std::vector<std::int64_t>& ids) {
  IndexArray out = IndexArray::from_shape(std::array{ids.size()});
  std::copy(ids.begin(), ids.end(), out.begin());
  return out;
}

}  // namespace

Hypothesis greedy_decode(const DecodeStep& step, const DecodeOptions& o) {
  check_options(o, "greedy_decode", false);
  Hypothesis h;
  std::int64_t last = o.start;
  while (h.ids.size() < o.max_length && !h.ended) {
    const Array<float> lp = scores(step, as_ids({last}), {0}, o, "greedy_decode");
    std::size_t best = 0;
    for (std::size_t v = 1; v < lp.shape(1); ++v)
      if (lp(0, v) > lp(0, best)) best = v;
    last = static_cast<std::int64_t>(best);
    h.ids.push_back(last);
    h.log_prob += lp(0, best);
    h.ended = last == o.end;
  }
  return h;
}

std::vector<Hypothesis> beam_search(const DecodeStep& step, const DecodeOptions& o) {
  check_options(o, "beam_search", true);
  std::vector<Hypothesis> open = {Hypothesis{}}, ended;
  std::vector<std::int64_t> last = {o.start};
  std::vector<std::size_t> parents = {0};
  for (std::size_t t = 0; t < o.max_length && !open.empty() && ended.size() < o.beam; ++t) {
    const Array<float> lp = scores(step, as_ids(last), parents, o, "beam_search");
    struct Candidate {
      double log_prob;
      std::size_t row, symbol;
    };
    std::vector<Candidate> candidates;
    for (std::size_t k = 0; k < open.size(); ++k)
      for (std::size_t v = 0; v < lp.shape(1); ++v) {
        const float s = lp(k, v);
        if (s != -INFINITY) candidates.push_back({open[k].log_prob + s, k, v});
      }
    // The best first; stable, so ties keep the earlier row, then the lower symbol.
    const std::size_t keep = std::min(o.beam - ended.size(), candidates.size());
    std::stable_sort(
        candidates.begin(), candidates.end(),
        [](const Candidate& a, const Candidate& b) { return a.log_prob > b.log_prob; });
    std::vector<Hypothesis> next;
    last.clear(), parents.clear();
    for (std::size_t i = 0; i < keep; ++i) {
      const Candidate& c = candidates[i];
      Hypothesis h = open[c.row];
      h.ids.push_back(static_cast<std::int64_t>(c.symbol));
      h.log_prob = c.log_prob;
      h.ended = h.ids.back() == o.end;
      if (h.ended) {
        ended.push_back(std::move(h));
      } else {
        last.push_back(h.ids.back()), parents.push_back(c.row);
        next.push_back(std::move(h));
      }
    }
    open = std::move(next);
  }
  ended.insert(ended.end(), open.begin(), open.end());
  std::stable_sort(ended.begin(), ended.end(), [](const Hypothesis& a, const Hypothesis& b) {
    return a.log_prob > b.log_prob;
  });
  return ended;
}

}  // namespace unroll
