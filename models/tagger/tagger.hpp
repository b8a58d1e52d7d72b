// Tagger: the lecture's synchronous many-to-many RNN — an output at every step, no delay.
//   ids [B, T] (row b valid for its first length_b steps) → Embedding [B, T, E]
//     → LSTM or GRU (uni- or bidirectional, lengths masked) [B, T, D·H]
//     → Linear head at every step [B, T, K] tag logits (K = kCppTagCount);
//   loss: mean over the valid steps of the cross-entropy against tags [B, T] (padding excluded).
// Parameter names follow PyTorch: embed.weight, rnn.weight_ih_l0[_reverse], …, head.weight,
// head.bias. The embedding has one row per vocabulary symbol and one more for <unk>.
#pragma once

#include <memory>
#include <variant>

#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "models/tagger/config.hpp"

namespace unroll::tagger {

template <class T = float>
class Tagger : public Module<T> {
 public:
  // ValueError when config is invalid.
  explicit Tagger(const TaggerConfig& config, std::uint64_t seed = 1);

  // logits [B, T, K] from ids [B, T] and one length per row in [1, T] (empty: all T); the
  // logits of padded steps are not meaningful. ShapeError for ids that are not [B, T].
  Var<T> forward(const IndexArray& ids, const std::vector<std::size_t>& lengths = {}) const;
  // Mean cross-entropy of logits [B, T, K] against tags [B, T] over the steps t < length_b
  // (empty lengths: all steps).
  static Var<T> loss(const Var<T>& logits, const IndexArray& tags,
                     const std::vector<std::size_t>& lengths = {});

  const TaggerConfig& config() const { return config_; }

 private:
  TaggerConfig config_;
  std::shared_ptr<Embedding<T>> embed_;
  std::variant<std::shared_ptr<LSTM<T>>, std::shared_ptr<GRU<T>>> rnn_;
  std::shared_ptr<Linear<T>> head_;
};

}  // namespace unroll::tagger
