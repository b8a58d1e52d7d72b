// Seq2Seq: the lecture's sequence-to-sequence model — read the whole input, then write the output
// (Luong et al. 2015's attentional encoder–decoder, without input feeding).
//   source ids [B, S] (lengths) → Embedding → encoder LSTM → e [B, S, H], final states;
//   target ids [B, T] (teacher forcing: the previous symbols) → Embedding → decoder LSTM started
//   from the encoder's final states → d [B, T, H];
//   with attention: c = Attention(d, e, lengths) [B, T, H] and d̃ = tanh(W_c [c; d]) [B, T, H];
//   → Linear head [B, T, V] logits.
// Bidirectional encoder (`bidirectional`): H/2 units per direction (H even), so e = [e→; e←]
// [B, S, H] and every score works; the decoder's initial state of layer l is both directions'
// final states of encoder layer l concatenated: h₀ = [h→_S; h←_1], c₀ = [c→_S; c←_1] [B, H].
// During training every decoder step attends at once (one batched [B, T, S] matmul); decoding
// runs the decoder one step at a time (Recurrent::step) through the same definitions.
#pragma once

#include <memory>
#include <optional>

#include "layers/attention.hpp"
#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"

namespace unroll {

struct Seq2SeqConfig {
  std::size_t source_vocab = 0, target_vocab = 0;
  std::size_t embed = 64;
  std::size_t hidden = 256;
  std::size_t layers = 1;
  bool bidirectional = false;  // the encoder reads both ways (see the top of this file)
  std::optional<AttentionScore> attention = AttentionScore::General;  // nullopt: none
  // ValueError naming the setting for a zero size or an odd hidden size when bidirectional.
  void validate() const;
};

template <class T = float>
class Seq2Seq : public Module<T> {
 public:
  explicit Seq2Seq(const Seq2SeqConfig& config, std::uint64_t seed = 1);

  struct Encoded {
    Var<T> outputs;       // e [B, S, H]
    StateList<T> states;  // the encoder's final states: the decoder's initial ones
    std::vector<std::size_t> lengths;
  };
  // ShapeError / ValueError (from the layers) for ids that are not [B, S] or bad lengths.
  Encoded encode(const IndexArray& source, const std::vector<std::size_t>& lengths) const;
  // Bidirectional: per layer, the forward and reverse final states' parts concatenated [B, H].
  static StateList<T> join_directions(const StateList<T>& states);

  // Teacher-forced logits [B, T, V] for the decoder inputs [B, T]; with weights (when given and
  // the model attends) the attention weights [B, T, S].
  Var<T> decode(const Encoded& encoded, const IndexArray& decoder_inputs,
                Var<T>* attention_weights = nullptr);

  // One decoding step: reads ids [B], advances `state` and returns the logits [B, V] (and the
  // step's attention weights [B, S] when asked).
  Var<T> step(const Encoded& encoded, const IndexArray& ids, StepState<T>& state,
              Var<T>* attention_weights = nullptr);
  StepState<T> start(const Encoded& encoded) const { return decoder_->start(encoded.states); }

  const Seq2SeqConfig& config() const { return config_; }

 private:
  // The attentional state d̃ = tanh(W_c [c; d]), or d itself without attention; d [B, (T,) H].
  Var<T> attend(const Var<T>& d, const Encoded& encoded, Var<T>* weights) const;

  Seq2SeqConfig config_;
  std::shared_ptr<Embedding<T>> source_embed_, target_embed_;
  std::shared_ptr<LSTM<T>> encoder_, decoder_;
  std::shared_ptr<Attention<T>> attention_;
  std::shared_ptr<Linear<T>> combine_, head_;
};

}  // namespace unroll
