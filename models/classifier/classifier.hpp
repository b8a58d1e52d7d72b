// Classifier: the lecture's many-to-one RNN — read a whole snippet, then name its kind.
//   ids [B, T] (row b valid for its first length_b steps) → Embedding [B, T, E]
//     → LSTM or GRU encoder (uni- or bidirectional, lengths masked) [B, T, D·H]
//     → pool (last | mean | max over each row's valid steps, pooling.hpp) [B, D·H]
//     → Linear head [B, C] class logits;  loss: mean cross-entropy against labels [B].
// Parameter names follow PyTorch: embed.weight, rnn.weight_ih_l0[_reverse], …, head.weight,
// head.bias. The embedding has one row per vocabulary symbol and one more for <unk>.
#pragma once

#include <memory>
#include <variant>

#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "models/classifier/config.hpp"

namespace unroll::classifier {

template <class T = float>
class Classifier : public Module<T> {
 public:
  // ValueError when config is invalid.
  explicit Classifier(const ClassifierConfig& config, std::uint64_t seed = 1);

  // logits [B, C] from ids [B, T] and one length per row in [1, T] (empty: all T). ShapeError for
  // ids that are not [B, T]; ValueError (from the layers) for bad lengths.
  Var<T> forward(const IndexArray& ids, const std::vector<std::size_t>& lengths = {}) const;
  // Mean cross-entropy of logits [B, C] against labels [B].
  static Var<T> loss(const Var<T>& logits, const IndexArray& labels);

  const ClassifierConfig& config() const { return config_; }

 private:
  ClassifierConfig config_;
  std::shared_ptr<Embedding<T>> embed_;
  std::variant<std::shared_ptr<LSTM<T>>, std::shared_ptr<GRU<T>>> rnn_;
  std::shared_ptr<Linear<T>> head_;
};

}  // namespace unroll::classifier
