#include "models/translator/evaluate.hpp"

#include <algorithm>

#include "framework/ops/nn.hpp"
#include "models/text/utf8.hpp"
#include "models/translator/decode.hpp"

namespace unroll::translator {

const std::vector<LengthBucket>& length_buckets() {
  static const std::vector<LengthBucket> b = {{6, 10}, {11, 15}, {16, 20}, {21, 25}, {26, 32}};
  return b;
}

Evaluation empty_evaluation() {
  Evaluation e;
  e.by_format.resize(tasks::date_formats().size());
  e.by_length.resize(length_buckets().size());
  return e;
}

void tally(Evaluation& e, std::size_t format, std::size_t length, bool right) {
  std::size_t bucket = 0;
  while (bucket + 1 < length_buckets().size() && length > length_buckets()[bucket].max) ++bucket;
  for (Tally* t : {&e.all, &e.by_format.at(format), &e.by_length[bucket]}) {
    t->right += right;
    ++t->total;
  }
}

Evaluation evaluate(Translator<float>& model, const std::vector<tasks::DatePair>& pairs,
                    std::size_t batch) {
  NoGrad no_grad;
  model.eval();
  Evaluation e = empty_evaluation();
  double loss_sum = 0;
  for (std::size_t first = 0; first < pairs.size(); first += batch) {
    const std::vector<tasks::DatePair> part(pairs.begin() + first,
                                            pairs.begin() + std::min(pairs.size(), first + batch));
    const DateBatch b = make_batch(part, model.config());
    const auto encoded = model.encode(b.source, b.lengths);
    loss_sum += cross_entropy(model.decode(encoded, b.inputs), b.targets).value()() * part.size();
    const auto ids = greedy_batch(model, encoded, kStart, kTargetSteps + 1);
    for (std::size_t r = 0; r < part.size(); ++r)
      tally(e, part[r].format, b.lengths[r], model.config().decode_target(ids[r]) == part[r].iso);
  }
  e.loss = pairs.empty() ? 0.0 : loss_sum / pairs.size();
  return e;
}

std::vector<std::string> translate_greedy(Translator<float>& model,
                                          const std::vector<std::u32string>& texts) {
  std::vector<tasks::DatePair> pairs;
  for (const auto& t : texts) pairs.push_back({encode_utf8(t), "0000-00-00", {}, 0});
  NoGrad no_grad;
  model.eval();
  const DateBatch b = make_batch(pairs, model.config());
  const auto ids = greedy_batch(model, model.encode(b.source, b.lengths), kStart, kTargetSteps + 1);
  std::vector<std::string> out;
  for (const auto& row : ids) out.push_back(model.config().decode_target(row));
  return out;
}

}  // namespace unroll::translator
