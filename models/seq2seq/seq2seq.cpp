#include "models/seq2seq/seq2seq.hpp"

#include <fmt/format.h>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/shape.hpp"

namespace unroll {

void Seq2SeqConfig::validate() const {
  if (source_vocab == 0 || target_vocab == 0)
    throw ValueError(fmt::format("Seq2Seq: vocabularies of {} and {} symbols: both need at least 1",
                                 source_vocab, target_vocab));
  if (embed == 0 || hidden == 0 || layers == 0)
    throw ValueError(
        fmt::format("Seq2Seq: embed {}, hidden {} and layers {} must all be at least 1", embed,
                    hidden, layers));
  if (bidirectional && hidden % 2 != 0)
    throw ValueError(fmt::format(
        "Seq2Seq: a bidirectional encoder splits hidden {} in two halves: it must be even",
        hidden));
}

template <class T>
Seq2Seq<T>::Seq2Seq(const Seq2SeqConfig& config, std::uint64_t seed) : config_(config) {
  config.validate();
  const auto options = LSTMOptions(config.embed, config.hidden).layers(config.layers);
  source_embed_ = this->register_module(
      "source_embed", std::make_shared<Embedding<T>>(config.source_vocab, config.embed, seed));
  target_embed_ = this->register_module(
      "target_embed", std::make_shared<Embedding<T>>(config.target_vocab, config.embed, seed + 1));
  const std::size_t per_direction = config.bidirectional ? config.hidden / 2 : config.hidden;
  encoder_ = this->register_module(
      "encoder", std::make_shared<LSTM<T>>(LSTMOptions(config.embed, per_direction)
                                               .layers(config.layers)
                                               .bidirectional(config.bidirectional)
                                               .seed(seed + 2)));
  decoder_ = this->register_module("decoder",
                                   std::make_shared<LSTM<T>>(LSTMOptions(options).seed(seed + 3)));
  if (config.attention) {
    attention_ = this->register_module(
        "attention", std::make_shared<Attention<T>>(AttentionOptions(config.hidden, config.hidden)
                                                        .score(*config.attention)
                                                        .seed(seed + 4)));
    combine_ = this->register_module(
        "combine", std::make_shared<Linear<T>>(2 * config.hidden, config.hidden, seed + 5));
  }
  head_ = this->register_module(
      "head", std::make_shared<Linear<T>>(config.hidden, config.target_vocab, seed + 6));
}

template <class T>
typename Seq2Seq<T>::Encoded Seq2Seq<T>::encode(const IndexArray& source,
                                                const std::vector<std::size_t>& lengths) const {
  if (source.dimension() != 2)
    throw ShapeError(
        fmt::format("Seq2Seq: source ids {}: expected [B, S]", shape_str(source.shape())));
  auto out = encoder_->forward(source_embed_->forward(source), {}, lengths);
  if (!config_.bidirectional) return {out.output, std::move(out.final_states), lengths};
  return {out.output, join_directions(out.final_states), lengths};
}

template <class T>
StateList<T> Seq2Seq<T>::join_directions(const StateList<T>& states) {
  StateList<T> joined;
  for (std::size_t l = 0; l + 1 < states.size(); l += 2) {  // l0, l0 reverse, l1, …
    State<T> s;
    for (std::size_t p = 0; p < states[l].size(); ++p)
      s.push_back(concat({states[l][p], states[l + 1][p]}, 1));
    joined.push_back(std::move(s));
  }
  return joined;
}

template <class T>
Var<T> Seq2Seq<T>::attend(const Var<T>& d, const Encoded& encoded, Var<T>* weights) const {
  if (!attention_) return d;
  auto a = attention_->forward(d, encoded.outputs, encoded.lengths);
  if (weights) *weights = a.weights;
  return tanh(combine_->forward(concat({a.context, d}, d.rank() - 1)));
}

template <class T>
Var<T> Seq2Seq<T>::decode(const Encoded& encoded, const IndexArray& decoder_inputs,
                          Var<T>* attention_weights) {
  if (decoder_inputs.dimension() != 2 || decoder_inputs.shape()[0] != encoded.outputs.dim(0))
    throw ShapeError(fmt::format("Seq2Seq: decoder ids {}: expected [{}, T]",
                                 shape_str(decoder_inputs.shape()), encoded.outputs.dim(0)));
  auto d = decoder_->forward(target_embed_->forward(decoder_inputs), encoded.states).output;
  return head_->forward(attend(d, encoded, attention_weights));  // [B, T, V]
}

template <class T>
Var<T> Seq2Seq<T>::step(const Encoded& encoded, const IndexArray& ids, StepState<T>& state,
                        Var<T>* attention_weights) {
  if (ids.dimension() != 1)
    throw ShapeError(fmt::format("Seq2Seq: step ids {}: expected [B]", shape_str(ids.shape())));
  auto r = decoder_->step(target_embed_->forward(ids), state);
  state = r.state;
  return head_->forward(attend(r.output, encoded, attention_weights));  // [B, V]
}

template class Seq2Seq<float>;
template class Seq2Seq<double>;

}  // namespace unroll
