#include "models/classifier/classifier.hpp"

#include <fmt/format.h>

#include "framework/ops/nn.hpp"

namespace unroll::classifier {
namespace {

template <class T>
std::variant<std::shared_ptr<LSTM<T>>, std::shared_ptr<GRU<T>>> make_encoder(
    const ClassifierConfig& config, std::uint64_t seed) {
  config.validate();
  const auto options = RecurrentOptions(config.embed, config.hidden)
                           .layers(config.layers)
                           .bidirectional(config.bidirectional)
                           .seed(seed + 1);
  if (config.cell == "lstm") return std::make_shared<LSTM<T>>(options);
  return std::make_shared<GRU<T>>(options);
}

}  // namespace

template <class T>
Classifier<T>::Classifier(const ClassifierConfig& config, std::uint64_t seed)
    : config_(config), rnn_(make_encoder<T>(config, seed)) {
  embed_ = this->register_module(
      "embed", std::make_shared<Embedding<T>>(config_.vocabulary.size() + 1, config_.embed, seed));
  std::visit([&](auto& rnn) { this->register_module("rnn", rnn); }, rnn_);
  head_ = this->register_module("head",
                                std::make_shared<Linear<T>>(config_.directions() * config_.hidden,
                                                            config_.classes.size(), seed + 1000));
}

template <class T>
Var<T> Classifier<T>::forward(const IndexArray& ids,
                              const std::vector<std::size_t>& lengths) const {
  if (ids.dimension() != 2)
    throw ShapeError(fmt::format("Classifier: ids {}: expected [B, T]", shape_str(ids.shape())));
  const Var<T> x = embed_->forward(ids);  // [B, T, E]
  const Var<T> h = std::visit([&](auto& rnn) { return rnn->forward(x, {}, lengths).output; },
                              rnn_);                                               // [B, T, D·H]
  return head_->forward(pool(h, lengths, config_.pooling, config_.directions()));  // [B, C]
}

template <class T>
Var<T> Classifier<T>::loss(const Var<T>& logits, const IndexArray& labels) {
  return cross_entropy(logits, labels);
}

template class Classifier<float>;
template class Classifier<double>;

}  // namespace unroll::classifier
