// CharLM: the classic character-level language model.
//   ids [B, T] → Embedding [B, T, E] → recurrent stack (rnn | lstm | gru) [B, T, H]
//              → Linear head [B, T, V] logits over the vocabulary.
// Parameter names follow the checkpoint contract: embed.weight, rnn.weight_ih_l{k}, ...,
// head.weight, head.bias — the names torch.nn.Embedding/RNN/LSTM/GRU/Linear give them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "models/char_lm/config.hpp"

namespace unroll {

// A recurrent stack of a user-defined cell, in place of the built-in rnn | lstm | gru.
template <class T>
struct CustomStack {
  std::shared_ptr<Module<T>> module;
  std::function<SequenceOutput<T>(const Var<T>&, const StateList<T>&, const ForwardOptions&)>
      forward;
  std::function<StepState<T>(std::size_t batch)> start;
  std::function<StepOutput<T>(const Var<T>&, const StepState<T>&)> step;
  std::function<Var<T>(const StepState<T>&)> output;
  std::function<Rng&()> dropout_rng;

  template <class Cell>
  static CustomStack of(std::shared_ptr<Recurrent<Cell>> stack) {
    return {stack,
            [stack](const Var<T>& x, const StateList<T>& s, const ForwardOptions& how) {
              return stack->forward(x, s, {}, how);
            },
            [stack](std::size_t batch) { return stack->start(batch); },
            [stack](const Var<T>& x, const StepState<T>& s) { return stack->step(x, s); },
            [stack](const StepState<T>& s) { return stack->output(s); },
            [stack]() -> Rng& { return stack->dropout_rng(); }};
  }
};

template <class T = float>
class CharLM : public Module<T> {
 public:
  using Stack = std::variant<std::shared_ptr<RNN<T>>, std::shared_ptr<LSTM<T>>,
                             std::shared_ptr<GRU<T>>, CustomStack<T>>;

  CharLM(const CharLMConfig& config, std::uint64_t seed = 1);
  // With a user-defined stack (config.cell is then only a label; such a model cannot be rebuilt
  // from checkpoint metadata). Its input width must be config.embed, its output config.hidden.
  CharLM(const CharLMConfig& config, std::uint64_t seed, CustomStack<T> stack);

  // logits [B, T, V] and every layer's final state, from ids [B, T] and (optionally) the states
  // the previous window ended with; with how.keep_states, every layer's state at every step.
  SequenceOutput<T> forward(const IndexArray& ids, const StateList<T>& initial = {},
                            const ForwardOptions& how = {});

  // One symbol at a time (generation): zero states for `batch` rows; read ids [B] (advancing
  // every layer's state); the logits [B, V] for the next symbol from the current state — after
  // any change a caller made to it (StepState::layer).
  StepState<T> start(std::size_t batch);
  void read(const IndexArray& ids, StepState<T>& state);
  Var<T> predict(const StepState<T>& state);
  // Mean cross-entropy (nats per character) of logits [B, T, V] against targets [B, T].
  Var<T> loss(const Var<T>& logits, const IndexArray& targets) const;

  const CharLMConfig& config() const { return config_; }
  Rng& dropout_rng();
  // The parts, for code that looks inside the model (models/char_lm/record.hpp).
  const Embedding<T>& embedding() const { return *embed_; }
  const Stack& stack() const { return rnn_; }

 private:
  // Both public constructors: registers embed, rnn (the stack) and head, in that order.
  CharLM(const CharLMConfig& config, std::uint64_t seed, Stack stack);
  // The rnn | lstm | gru stack config describes; ValueError when config is invalid.
  static Stack builtin_stack(const CharLMConfig& config, std::uint64_t seed);

  CharLMConfig config_;
  std::shared_ptr<Embedding<T>> embed_;
  Stack rnn_;
  std::shared_ptr<Linear<T>> head_;
};

}  // namespace unroll
