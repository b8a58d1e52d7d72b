// Decoding a trained Seq2Seq: greedy over a whole batch, and the adapter that lets
// models/decoding/beam_search drive it one source at a time.
//   beam adapter, per call (ids [K], parents [K]): the decoder state's rows are gathered along
//   parents (row k ← previous row parents[k], every layer and part: h, c [K, H]), the encoder's
//   outputs repeated to K rows, one Seq2Seq::step → log_softmax [K, V].
#pragma once

#include <vector>

#include "models/decoding/beam_search.hpp"
#include "models/seq2seq/seq2seq.hpp"

namespace unroll::translator {

// state's rows along `parents`: row k of every layer's parts becomes the old row parents[k].
// IndexError for a parent outside the rows.
template <class T>
void gather_state(StepState<T>& state, const std::vector<std::size_t>& parents);

// encoded (one source: B = 1) as K identical rows.
template <class T>
typename Seq2Seq<T>::Encoded repeat_encoded(const typename Seq2Seq<T>::Encoded& encoded,
                                            std::size_t k);

// The DecodeStep of one encoded source (B = 1) for beam_search and greedy_decode; it keeps the
// decoder state between calls, so use it for one search only. Run it under NoGrad.
DecodeStep beam_adapter(Seq2Seq<float>& model, const Seq2Seq<float>::Encoded& encoded);

// The argmax symbol at every step for every row at once, `steps` steps from <s> (start):
// ids [B][steps]. With `weights`: the attention weights of every step, weights[t] [B, S]
// (left empty without attention). Runs under NoGrad.
std::vector<std::vector<std::int64_t>> greedy_batch(Seq2Seq<float>& model,
                                                    const Seq2Seq<float>::Encoded& encoded,
                                                    std::int64_t start, std::size_t steps,
                                                    std::vector<Array<float>>* weights = nullptr);

}  // namespace unroll::translator
