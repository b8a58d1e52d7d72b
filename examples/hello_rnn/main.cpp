// hello_rnn: the smallest recurrent net, written from unroll's ops, learns to continue "hello".
//
// A vanilla RNN over one-hot characters, h_t = tanh(W_xh x_t + b_h + W_hh h_{t−1}), reads "hell"
// and predicts "ello" through logits_t = W_hy h_t + b_y. The two l's need the hidden state: after
// the first l comes l, after the second comes o. The tape derives backpropagation through time;
// Adagrad (as in min-char-rnn) updates the weights. It prints the falling loss and what the net
// writes when started from 'h'.
#include <fmt/format.h>

#include <cmath>
#include <random>
#include <string>
#include <xtensor/xrandom.hpp>

#include "framework/unroll.hpp"

using namespace unroll;

namespace {

const std::string kText = "hello";
const std::string kVocabulary = "ehlo";
constexpr std::size_t kHidden = 16;
constexpr int kSteps = 60;
constexpr float kLearningRate = 0.1f;

struct Rnn {
  Var<float> w_xh, w_hh, b_h, w_hy, b_y;

  std::vector<Var<float>*> parameters() { return {&w_xh, &w_hh, &b_h, &w_hy, &b_y}; }

  // One time step: the new hidden state [1, H] from a character id and the previous state.
  Var<float> step(std::int64_t id, const Var<float>& h) {
    const auto x = one_hot<float>(IndexArray({1}, id), kVocabulary.size());  // [1, V]
    return tanh(linear(x, w_xh, b_h) + linear(h, w_hh));
  }
  Var<float> logits(const Var<float>& h) { return linear(h, w_hy, b_y); }  // [1, V]
};

std::int64_t id_of(char c) { return static_cast<std::int64_t>(kVocabulary.find(c)); }

Array<float> small_random(std::initializer_list<std::size_t> shape, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, 0.1f);
  Array<float> a = Array<float>::from_shape(shape);
  for (auto& v : a) v = normal(rng);
  return a;
}

// Greedy continuation of `prime` for `count` characters, recording nothing.
std::string continue_text(Rnn& rnn, const std::string& prime, std::size_t count) {
  NoGrad no_grad;
  Var<float> h(xt::zeros<float>({std::size_t{1}, kHidden}));
  std::string out = prime;
  for (char c : prime) h = rnn.step(id_of(c), h);
  for (std::size_t i = 0; i < count; ++i) {
    const auto& scores = rnn.logits(h).value();
    const auto best = std::max_element(scores.begin(), scores.end()) - scores.begin();
    out += kVocabulary[static_cast<std::size_t>(best)];
    h = rnn.step(best, h);
  }
  return out;
}

}  // namespace

int main() {
  std::mt19937 rng(1);
  const std::size_t vocab = kVocabulary.size();
  Rnn rnn{Var<float>::parameter(small_random({kHidden, vocab}, rng)),
          Var<float>::parameter(small_random({kHidden, kHidden}, rng)),
          Var<float>::parameter(xt::zeros<float>({kHidden})),
          Var<float>::parameter(small_random({vocab, kHidden}, rng)),
          Var<float>::parameter(xt::zeros<float>({vocab}))};
  std::vector<Array<float>> adagrad_memory;
  for (auto* p : rnn.parameters()) adagrad_memory.push_back(xt::zeros<float>(p->shape()));

  IndexArray targets = IndexArray::from_shape({kText.size() - 1});
  for (std::size_t t = 1; t < kText.size(); ++t) targets(t - 1) = id_of(kText[t]);

  fmt::print("hello_rnn: a vanilla RNN (hidden {}) built from unroll's ops learns \"{}\"\n",
             kHidden, kText);
  for (int step = 0; step <= kSteps; ++step) {
    // Forward through time: every step's logits, then one cross-entropy over them.
    Var<float> h(xt::zeros<float>({std::size_t{1}, kHidden}));
    std::vector<Var<float>> logits;
    for (std::size_t t = 0; t + 1 < kText.size(); ++t) {
      h = rnn.step(id_of(kText[t]), h);
      logits.push_back(rnn.logits(h));
    }
    Var<float> loss = cross_entropy(concat(logits, 0), targets);

    for (auto* p : rnn.parameters()) p->zero_grad();
    loss.backward();  // backpropagation through time, derived by the tape
    if (step % 10 == 0)
      fmt::print("step {:3}  loss {:.4f}  'h' continues as \"{}\"\n", step, loss.item(),
                 continue_text(rnn, "h", kText.size() - 1));
    tape<float>().reset();

    auto params = rnn.parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {  // Adagrad: w −= lr·g / √(Σg² + ε)
      const auto& g = params[i]->grad();
      adagrad_memory[i] += g * g;
      params[i]->mutable_value() -= kLearningRate * g / xt::sqrt(adagrad_memory[i] + 1e-8f);
    }
  }
  const std::string result = continue_text(rnn, "h", kText.size() - 1);
  fmt::print("learned: 'h' → \"{}\" ({})\n", result, result == kText ? "correct" : "not yet");
  return result == kText ? 0 : 1;
}
