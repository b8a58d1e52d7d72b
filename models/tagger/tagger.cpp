#include "models/tagger/tagger.hpp"

#include <fmt/format.h>

#include "framework/ops/nn.hpp"
#include "models/tasks/cpp_tags.hpp"

namespace unroll::tagger {
namespace {

template <class T>
std::variant<std::shared_ptr<LSTM<T>>, std::shared_ptr<GRU<T>>> make_rnn(const TaggerConfig& config,
                                                                         std::uint64_t seed) {
  config.validate();
  const auto options = RecurrentOptions(config.embed, config.hidden)
                           .layers(config.layers)
                           .bidirectional(config.bidirectional)
                           .seed(seed + 1);
  if (config.cell == "lstm") return std::make_shared<LSTM<T>>(options);
  return std::make_shared<GRU<T>>(options);
}

constexpr std::int64_t kIgnored = -100;  // cross_entropy's ignore_index: a padded step

}  // namespace

template <class T>
Tagger<T>::Tagger(const TaggerConfig& config, std::uint64_t seed)
    : config_(config), rnn_(make_rnn<T>(config, seed)) {
  embed_ = this->register_module(
      "embed", std::make_shared<Embedding<T>>(config_.vocabulary.size() + 1, config_.embed, seed));
  std::visit([&](auto& rnn) { this->register_module("rnn", rnn); }, rnn_);
  head_ = this->register_module("head",
                                std::make_shared<Linear<T>>(config_.directions() * config_.hidden,
                                                            tasks::kCppTagCount, seed + 1000));
}

template <class T>
Var<T> Tagger<T>::forward(const IndexArray& ids, const std::vector<std::size_t>& lengths) const {
  if (ids.dimension() != 2)
    throw ShapeError(fmt::format("Tagger: ids {}: expected [B, T]", shape_str(ids.shape())));
  const Var<T> x = embed_->forward(ids);  // [B, T, E]
  const Var<T> h = std::visit([&](auto& rnn) { return rnn->forward(x, {}, lengths).output; },
                              rnn_);  // [B, T, D·H]
  return head_->forward(h);           // [B, T, K]
}

template <class T>
Var<T> Tagger<T>::loss(const Var<T>& logits, const IndexArray& tags,
                       const std::vector<std::size_t>& lengths) {
  if (lengths.empty()) return cross_entropy(logits, tags);
  IndexArray masked = tags;  // [B, T], padded steps ignored
  const std::size_t steps = tags.shape()[1];
  for (std::size_t b = 0; b < lengths.size(); ++b)
    for (std::size_t t = lengths[b]; t < steps; ++t) masked(b, t) = kIgnored;
  return cross_entropy(logits, masked, kIgnored);
}

template class Tagger<float>;
template class Tagger<double>;

}  // namespace unroll::tagger
