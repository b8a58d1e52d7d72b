#include "models/translator/decode.hpp"

#include <memory>

#include "framework/ops/nn.hpp"
#include "framework/ops/select.hpp"
#include "framework/ops/shape.hpp"

namespace unroll::translator {
namespace {

IndexArray as_ids(const std::vector<std::size_t>& rows) {
  IndexArray ids = IndexArray::from_shape({rows.size()});
  for (std::size_t i = 0; i < rows.size(); ++i) ids(i) = static_cast<std::int64_t>(rows[i]);
  return ids;
}

}  // namespace

template <class T>
void gather_state(StepState<T>& state, const std::vector<std::size_t>& parents) {
  const IndexArray ids = as_ids(parents);
  for (std::size_t l = 0; l < state.layers(); ++l)
    for (Var<T>& part : state.layer(l)) part = gather_rows(part, ids);
}

template <class T>
typename Seq2Seq<T>::Encoded repeat_encoded(const typename Seq2Seq<T>::Encoded& encoded,
                                            std::size_t k) {
  const Var<T>& e = encoded.outputs;  // [1, S, H]
  const auto s = static_cast<std::ptrdiff_t>(e.dim(1)), h = static_cast<std::ptrdiff_t>(e.dim(2));
  const Var<T> rows = gather_rows(reshape(e, {1, s * h}), as_ids(std::vector<std::size_t>(k, 0)));
  return {reshape(rows, {static_cast<std::ptrdiff_t>(k), s, h}), encoded.states,
          std::vector<std::size_t>(k, encoded.lengths.empty() ? e.dim(1) : encoded.lengths[0])};
}

DecodeStep beam_adapter(Seq2Seq<float>& model, const Seq2Seq<float>::Encoded& encoded) {
  auto state = std::make_shared<StepState<float>>(model.start(encoded));
  return [&model, encoded, state](const IndexArray& ids, const std::vector<std::size_t>& parents) {
    gather_state(*state, parents);
    const auto rows = repeat_encoded<float>(encoded, ids.size());
    return Array<float>(log_softmax(model.step(rows, ids, *state), -1).value());
  };
}

std::vector<std::vector<std::int64_t>> greedy_batch(Seq2Seq<float>& model,
                                                    const Seq2Seq<float>::Encoded& encoded,
                                                    std::int64_t start, std::size_t steps,
                                                    std::vector<Array<float>>* weights) {
  NoGrad no_grad;
  const std::size_t batch = encoded.outputs.dim(0);
  std::vector<std::vector<std::int64_t>> out(batch);
  StepState<float> state = model.start(encoded);
  IndexArray ids = IndexArray::from_shape({batch});
  ids.fill(start);
  for (std::size_t t = 0; t < steps; ++t) {
    Var<float> w;
    const Array<float> logits =
        model.step(encoded, ids, state, weights ? &w : nullptr).value();  // [B, V]
    if (weights && w.defined()) weights->push_back(w.value());
    for (std::size_t b = 0; b < batch; ++b) {
      std::size_t best = 0;
      for (std::size_t v = 1; v < logits.shape(1); ++v)
        if (logits(b, v) > logits(b, best)) best = v;
      ids(b) = static_cast<std::int64_t>(best);
      out[b].push_back(ids(b));
    }
  }
  return out;
}

template void gather_state(StepState<float>&, const std::vector<std::size_t>&);
template void gather_state(StepState<double>&, const std::vector<std::size_t>&);
template Seq2Seq<float>::Encoded repeat_encoded<float>(const Seq2Seq<float>::Encoded&, std::size_t);
template Seq2Seq<double>::Encoded repeat_encoded<double>(const Seq2Seq<double>::Encoded&,
                                                         std::size_t);

}  // namespace unroll::translator
