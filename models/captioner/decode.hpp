// Captions from images: greedy or beam search (models/decoding/beam_search) through the
// captioner's decoder, one image at a time.
#pragma once

#include <string>
#include <vector>

#include "models/captioner/captioner.hpp"
#include "models/decoding/beam_search.hpp"

namespace unroll::captioner {

// The DecodeStep of one image (pixels [1, 256]): it keeps the decoder state, gathers its rows
// along `parents` before each step, and returns log_softmax of the logits [K, V]. The model must
// outlive it; call it under NoGrad. (Instantiated for float.)
template <class T>
DecodeStep caption_step(const Captioner<T>& model, const Array<T>& pixels);

// The caption of pixels [1, 256] (the model in eval mode, recording nothing): greedy for beam 1,
// the best of beam_search otherwise; at most kCaptionSteps words, <end> included.
std::vector<std::int64_t> caption_ids(Captioner<float>& model, const Array<float>& pixels,
                                      std::size_t beam);
// The same as words ("a small cross in the middle").
std::string caption(Captioner<float>& model, const Array<float>& pixels, std::size_t beam);

}  // namespace unroll::captioner
