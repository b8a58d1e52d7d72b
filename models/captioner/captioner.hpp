// Captioner: the lecture's one-to-many RNN — the image enters once, then words come out.
//   pixels x [B, 256] (value / maxval, 16×16 row-major)
//     → encoder: h0 = tanh(W₂ relu(W₁ x + b₁) + b₂) [B, H]  (encoder 0: h0 = tanh(W x + b))
//     → decoder LSTM started from (h0, c0 = 0); it reads words [B, T] (teacher forcing: <start>
//       then the caption) through an Embedding [B, T, E] → [B, T, H]
//     → Linear head [B, T, V] logits over tasks::caption_vocabulary().
// Loss: cross-entropy over the targets [B, T] that are not <pad> (a masked mean per word).
// Parameter names: encoder.weight/bias (the MLP's first layer; absent for encoder 0),
// init_h.weight/bias (the layer giving h0), embed.weight,
// decoder.weight_ih_l0 … (PyTorch's), head.weight, head.bias.
#pragma once

#include <memory>

#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "models/captioner/config.hpp"

namespace unroll::captioner {

inline constexpr std::size_t kPixels = 256;  // 16 × 16

template <class T = float>
class Captioner : public Module<T> {
 public:
  // ValueError when config is invalid.
  explicit Captioner(const CaptionerConfig& config, std::uint64_t seed = 1);

  // The decoder's initial state (h0, c0) for pixels [B, 256]; ShapeError for another shape.
  StepState<T> start(const Array<T>& pixels) const;
  // Teacher-forced logits [B, T, V] for pixels [B, 256] and decoder inputs [B, T].
  Var<T> forward(const Array<T>& pixels, const IndexArray& inputs) const;
  // A decoder state holding `states` (the rows of earlier ones, gathered along a beam's parents).
  StepState<T> decoder_start(const StateList<T>& states) const { return decoder_->start(states); }
  // One decoding step: reads ids [B], advances `state`, returns the logits [B, V].
  Var<T> step(const IndexArray& ids, StepState<T>& state) const;
  // Mean cross-entropy of logits [B, T, V] over the targets [B, T] that are not <pad>.
  static Var<T> loss(const Var<T>& logits, const IndexArray& targets);

  const CaptionerConfig& config() const { return config_; }
  std::size_t vocabulary_size() const { return vocab_; }

 private:
  Var<T> encode(const Array<T>& pixels) const;  // h0 [B, H]

  CaptionerConfig config_;
  std::size_t vocab_;
  std::shared_ptr<Linear<T>> hidden_layer_, state_layer_;  // hidden_layer_ null: encoder 0
  std::shared_ptr<Embedding<T>> embed_;
  std::shared_ptr<LSTM<T>> decoder_;
  std::shared_ptr<Linear<T>> head_;
};

}  // namespace unroll::captioner
