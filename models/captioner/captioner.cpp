#include "models/captioner/captioner.hpp"

#include <fmt/format.h>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/nn.hpp"
#include "models/tasks/scenes.hpp"
#include "models/text/word_vocabulary.hpp"

namespace unroll::captioner {

template <class T>
Captioner<T>::Captioner(const CaptionerConfig& config, std::uint64_t seed)
    : config_(config), vocab_(tasks::caption_vocabulary().size()) {
  config_.validate();
  const std::size_t H = config_.hidden;
  if (config_.encoder > 0) {
    hidden_layer_ = this->register_module(
        "encoder", std::make_shared<Linear<T>>(kPixels, config_.encoder, seed));
    state_layer_ =
        this->register_module("init_h", std::make_shared<Linear<T>>(config_.encoder, H, seed + 1));
  } else {
    state_layer_ =
        this->register_module("init_h", std::make_shared<Linear<T>>(kPixels, H, seed + 1));
  }
  embed_ = this->register_module("embed",
                                 std::make_shared<Embedding<T>>(vocab_, config_.embed, seed + 2));
  decoder_ = this->register_module(
      "decoder", std::make_shared<LSTM<T>>(LSTMOptions(config_.embed, H).seed(seed + 3)));
  head_ = this->register_module("head", std::make_shared<Linear<T>>(H, vocab_, seed + 4));
}

template <class T>
Var<T> Captioner<T>::encode(const Array<T>& pixels) const {
  if (pixels.dimension() != 2 || pixels.shape()[1] != kPixels)
    throw ShapeError(
        fmt::format("Captioner: pixels {}: expected [B, {}]", shape_str(pixels.shape()), kPixels));
  Var<T> x(pixels);
  if (hidden_layer_) x = relu(hidden_layer_->forward(x));  // [B, M]
  return tanh(state_layer_->forward(x));                   // [B, H]
}

template <class T>
StepState<T> Captioner<T>::start(const Array<T>& pixels) const {
  const Var<T> h0 = encode(pixels);
  const Var<T> c0(Array<T>(xt::zeros<T>(h0.value().shape())));
  return decoder_->start(StateList<T>{State<T>{h0, c0}});
}

template <class T>
Var<T> Captioner<T>::forward(const Array<T>& pixels, const IndexArray& inputs) const {
  if (inputs.dimension() != 2 || inputs.shape()[0] != pixels.shape()[0])
    throw ShapeError(fmt::format("Captioner: decoder ids {}: expected [{}, T]",
                                 shape_str(inputs.shape()), pixels.shape()[0]));
  const StepState<T> s = start(pixels);
  const auto d = decoder_->forward(embed_->forward(inputs), s.states()).output;  // [B, T, H]
  return head_->forward(d);                                                      // [B, T, V]
}

template <class T>
Var<T> Captioner<T>::step(const IndexArray& ids, StepState<T>& state) const {
  if (ids.dimension() != 1)
    throw ShapeError(fmt::format("Captioner: step ids {}: expected [B]", shape_str(ids.shape())));
  auto r = decoder_->step(embed_->forward(ids), state);
  state = r.state;
  return head_->forward(r.output);  // [B, V]
}

template <class T>
Var<T> Captioner<T>::loss(const Var<T>& logits, const IndexArray& targets) {
  return cross_entropy(logits, targets, WordVocabulary::kPad);
}

template class Captioner<float>;
template class Captioner<double>;

}  // namespace unroll::captioner
