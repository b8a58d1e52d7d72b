#include "models/translator/data.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"
#include "models/text/utf8.hpp"

namespace unroll::translator {
namespace {

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

constexpr std::uint64_t kHeldOutStream = 0x686f6c646f7574ULL;  // "holdout"

}  // namespace

bool held_out(const tasks::Date& date, std::uint64_t seed) {
  return splitmix64(seed ^ static_cast<std::uint64_t>(tasks::days_from_civil(date))) % 10 == 0;
}

tasks::DatePair training_pair(std::uint64_t seed, std::uint64_t index) {
  for (std::uint64_t j = 0;; ++j) {
    tasks::DatePair p = tasks::date_pair(seed, 64 * index + j);
    if (!held_out(p.date, seed)) return p;
  }
}

std::vector<tasks::DatePair> held_out_pairs(std::uint64_t seed, std::size_t count) {
  std::vector<tasks::DatePair> out;
  for (std::uint64_t i = 0; out.size() < count; ++i) {
    tasks::DatePair p = tasks::date_pair(seed ^ kHeldOutStream, i);
    if (held_out(p.date, seed)) out.push_back(std::move(p));
  }
  return out;
}

DateBatch make_batch(const std::vector<tasks::DatePair>& pairs, const TranslatorConfig& config) {
  if (pairs.empty()) throw ValueError("translator::make_batch: no pairs");
  DateBatch b;
  b.source = IndexArray::from_shape({pairs.size(), kMaxSource});
  b.source.fill(0);
  b.inputs = IndexArray::from_shape({pairs.size(), kTargetSteps});
  b.targets = IndexArray::from_shape({pairs.size(), kTargetSteps});
  for (std::size_t r = 0; r < pairs.size(); ++r) {
    const auto source = config.encode_source(decode_utf8(pairs[r].human));
    if (source.empty() || source.size() > kMaxSource)
      throw ValueError(fmt::format("translator::make_batch: '{}' has {} symbols, not 1 … {}",
                                   pairs[r].human, source.size(), kMaxSource));
    std::copy(source.begin(), source.end(), b.source.data() + r * kMaxSource);
    b.lengths.push_back(source.size());
    const auto target = config.encode_target(pairs[r].iso);
    if (target.size() + 1 != kTargetSteps)
      throw ValueError(
          fmt::format("translator::make_batch: '{}' is not an ISO date", pairs[r].iso));
    b.inputs(r, 0) = kStart;
    for (std::size_t t = 0; t < target.size(); ++t) {
      b.inputs(r, t + 1) = target[t];
      b.targets(r, t) = target[t];
    }
    b.targets(r, kTargetSteps - 1) = kEnd;
  }
  return b;
}

}  // namespace unroll::translator
