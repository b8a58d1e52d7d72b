#include "models/char_lm/char_lm.hpp"

#include <fmt/format.h>

#include "framework/ops/nn.hpp"
#include "framework/ops/shape.hpp"

namespace unroll {
namespace {

// Whether a stack alternative is a user's CustomStack (else a built-in layer's shared_ptr).
template <class T, class S>
constexpr bool is_custom = std::is_same_v<std::decay_t<S>, CustomStack<T>>;

}  // namespace

template <class T>
typename CharLM<T>::Stack CharLM<T>::builtin_stack(const CharLMConfig& config, std::uint64_t seed) {
  config.validate();
  auto options =
      RecurrentOptions(config.embed, config.hidden)
          .layers(config.layers)
          .residual(config.residual)
          .dropout(config.dropout)
          .recompute(config.recompute)
          .seed(seed + 1)
          .nonlinearity(config.nonlinearity == "relu" ? Nonlinearity::Relu : Nonlinearity::Tanh);
  if (config.temporal_skip > 0)
    options.temporal_skip(config.temporal_skip)
        .skip_mode(config.skip_mode == "dilated"      ? SkipMode::Dilated
                   : config.skip_mode == "accumulate" ? SkipMode::Accumulate
                                                      : SkipMode::Output);
  if (config.cell == "rnn") return std::make_shared<RNN<T>>(options);
  if (config.cell == "lstm") return std::make_shared<LSTM<T>>(options);
  return std::make_shared<GRU<T>>(options);
}

template <class T>
CharLM<T>::CharLM(const CharLMConfig& config, std::uint64_t seed)
    : CharLM(config, seed, builtin_stack(config, seed)) {}

template <class T>
CharLM<T>::CharLM(const CharLMConfig& config, std::uint64_t seed, CustomStack<T> stack)
    : CharLM(config, seed, Stack(std::move(stack))) {}

template <class T>
CharLM<T>::CharLM(const CharLMConfig& config, std::uint64_t seed, Stack stack)
    : config_(config), rnn_(std::move(stack)) {
  const std::size_t vocab = config_.vocabulary.size();
  embed_ =
      this->register_module("embed", std::make_shared<Embedding<T>>(vocab, config_.embed, seed));
  this->register_module("rnn", std::visit(
                                   [](auto& rnn) -> std::shared_ptr<Module<T>> {
                                     if constexpr (is_custom<T, decltype(rnn)>)
                                       return rnn.module;
                                     else
                                       return rnn;
                                   },
                                   rnn_));
  head_ = this->register_module("head",
                                std::make_shared<Linear<T>>(config_.hidden, vocab, seed + 1000));
}

template <class T>
SequenceOutput<T> CharLM<T>::forward(const IndexArray& ids, const StateList<T>& initial,
                                     const ForwardOptions& how) {
  if (ids.dimension() != 2)
    throw ShapeError(fmt::format("CharLM: ids {}: expected [B, T]", shape_str(ids.shape())));
  auto x = embed_->forward(ids);  // [B, T, E]
  auto out = std::visit(
      [&](auto& rnn) {
        if constexpr (is_custom<T, decltype(rnn)>)
          return rnn.forward(x, initial, how);
        else
          return rnn->forward(x, initial, {}, how);
      },
      rnn_);
  out.output = head_->forward(out.output);  // [B, T, V]
  return out;
}

template <class T>
StepState<T> CharLM<T>::start(std::size_t batch) {
  return std::visit(
      [&](auto& rnn) {
        if constexpr (is_custom<T, decltype(rnn)>)
          return rnn.start(batch);
        else
          return rnn->start(batch);
      },
      rnn_);
}

template <class T>
void CharLM<T>::read(const IndexArray& ids, StepState<T>& state) {
  if (ids.dimension() != 1)
    throw ShapeError(fmt::format("CharLM: step ids {}: expected [B]", shape_str(ids.shape())));
  auto x = embed_->forward(ids);  // [B, E]
  state = std::visit(
      [&](auto& rnn) {
        if constexpr (is_custom<T, decltype(rnn)>)
          return rnn.step(x, state).state;
        else
          return rnn->step(x, state).state;
      },
      rnn_);
}

template <class T>
Var<T> CharLM<T>::predict(const StepState<T>& state) {
  auto h = std::visit(
      [&](auto& rnn) {
        if constexpr (is_custom<T, decltype(rnn)>)
          return rnn.output(state);
        else
          return rnn->output(state);
      },
      rnn_);
  return head_->forward(h);  // [B, V]
}

template <class T>
Var<T> CharLM<T>::loss(const Var<T>& logits, const IndexArray& targets) const {
  return cross_entropy(logits, targets);  // [B, T, V] against [B, T]: the mean over B·T
}

template <class T>
Rng& CharLM<T>::dropout_rng() {
  return std::visit(
      [](auto& rnn) -> Rng& {
        if constexpr (is_custom<T, decltype(rnn)>)
          return rnn.dropout_rng();
        else
          return rnn->dropout_rng();
      },
      rnn_);
}

template class CharLM<float>;
template class CharLM<double>;

}  // namespace unroll
