// custom_cell: a user-defined cell (peephole_lstm.hpp) trained with the same sequence runner as
// the built-in cells. Embedding → Recurrent<PeepholeLSTMCell> (2 layers) → Linear head, learning
// to continue a sentence character by character; prints the falling loss.
#include <fmt/format.h>

#include <string>

#include "examples/custom_cell/peephole_lstm.hpp"
#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"

using namespace unroll;

int main() {
  const std::string text = "the quick brown fox jumps over the lazy dog. ";
  std::string vocabulary;
  for (char c : text)
    if (vocabulary.find(c) == std::string::npos) vocabulary += c;
  const std::size_t vocab = vocabulary.size(), steps = text.size() - 1;
  IndexArray inputs = IndexArray::from_shape({1, steps}), targets = IndexArray::from_shape({steps});
  for (std::size_t t = 0; t < steps; ++t) {
    inputs(0, t) = static_cast<std::int64_t>(vocabulary.find(text[t]));
    targets(t) = static_cast<std::int64_t>(vocabulary.find(text[t + 1]));
  }

  Embedding<float> embed(vocab, 16);
  Recurrent<PeepholeLSTMCell<float>> rnn(RecurrentOptions(16, 32).layers(2), "PeepholeLSTM");
  Linear<float> head(32, vocab);
  std::vector<Var<float>> params = embed.parameters();
  for (auto* m : std::initializer_list<Module<float>*>{&rnn, &head})
    for (auto& p : m->parameters()) params.push_back(p);
  std::vector<Array<float>> memory;  // Adagrad's Σg²
  for (auto& p : params) memory.push_back(xt::zeros<float>(p.shape()));

  fmt::print("custom_cell: a 2-layer peephole LSTM ({} parameters) learns \"{}\"\n",
             rnn.parameter_count(), text);
  for (int step = 0; step <= 200; ++step) {
    auto logits = head.forward(rnn.forward(embed.forward(inputs)).output);  // [1, T, V]
    auto loss = cross_entropy(reshape(logits, {-1, static_cast<std::ptrdiff_t>(vocab)}), targets);
    for (auto& p : params) p.zero_grad();
    loss.backward();
    if (step % 25 == 0) fmt::print("step {:3}  loss {:.4f}\n", step, loss.item());
    tape<float>().reset();
    for (std::size_t i = 0; i < params.size(); ++i) {  // Adagrad
      const auto& g = params[i].grad();
      memory[i] += g * g;
      params[i].mutable_value() -= 0.1f * g / xt::sqrt(memory[i] + 1e-8f);
    }
  }
  return 0;
}
