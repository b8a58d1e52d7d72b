#include "models/captioner/decode.hpp"

#include <memory>

#include "framework/ops/nn.hpp"
#include "framework/ops/shape.hpp"
#include "models/captioner/batch.hpp"
#include "models/tasks/scenes.hpp"

namespace unroll::captioner {

template <class T>
DecodeStep caption_step(const Captioner<T>& model, const Array<T>& pixels) {
  auto state = std::make_shared<StepState<T>>(model.start(pixels));
  return [&model, state](const IndexArray& ids, const std::vector<std::size_t>& parents) {
    IndexArray rows = IndexArray::from_shape({parents.size()});
    for (std::size_t k = 0; k < parents.size(); ++k)
      rows(k) = static_cast<std::int64_t>(parents[k]);
    StateList<T> gathered;
    for (const State<T>& layer : state->states()) {
      State<T> parts;
      for (const Var<T>& part : layer) parts.push_back(gather_rows(part, rows));  // [K, H]
      gathered.push_back(parts);
    }
    *state = model.decoder_start(gathered);
    return log_softmax(model.step(ids, *state), 1).value();  // [K, V]
  };
}

std::vector<std::int64_t> caption_ids(Captioner<float>& model, const Array<float>& pixels,
                                      std::size_t beam) {
  DecodeOptions options;
  options.start = WordVocabulary::kStart, options.end = WordVocabulary::kEnd;
  options.max_length = kCaptionSteps, options.beam = beam;
  model.eval();
  NoGrad no_grad;
  const DecodeStep step = caption_step(model, pixels);
  auto ids = beam <= 1 ? greedy_decode(step, options).ids : beam_search(step, options).at(0).ids;
  model.train();
  return ids;
}

std::string caption(Captioner<float>& model, const Array<float>& pixels, std::size_t beam) {
  return tasks::caption_vocabulary().decode(caption_ids(model, pixels, beam));
}

template DecodeStep caption_step(const Captioner<float>&, const Array<float>&);

}  // namespace unroll::captioner
