// The models of the long-range experiment: one recurrent stack (tanh RNN, IRNN, LSTM or GRU,
// optionally with a temporal skip or dilations) and a linear readout, optionally attending over
// every step's output.
//   x [B, T, F] → stack → outputs h_1 … h_T [B, T, H]
//   many-to-one (adding):  y = W [h_T ; c_T] + b,  c_T = Σ_t α_t h_t, α = softmax(h_tᵀ A h_T)
//                          (without attention, y = W h_T + b)          → y [B, O]
//   per step (copy):       y_t = W [h_t ; c_t] + b, c_t attending over all h_1 … h_T with query
//                          h_t (the inputs after t are blanks: nothing of a target leaks)
//                                                                      → y [B, T, O]
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "layers/attention.hpp"
#include "layers/linear.hpp"
#include "models/char_lm/char_lm.hpp"

namespace unroll::lab {

struct LongRangeSpec {
  std::string cell = "lstm";  // rnn (tanh) | irnn | lstm | gru
  std::string skip = "none";  // none | output | dilated
  // output: h_t = ½ o_t + ½ o_{t−k}; dilated: layer l reads h_{t−k·2^l} (k = 1: 1, 2, 4, …)
  std::size_t k = 0;
  std::size_t layers = 1;
  bool attention = false;
  std::size_t hidden = 32;
  // IRNN (Le, Jaitly & Hinton 2015): relu, W_hh = I, zero biases. LSTMs start with forget bias 1.
  // ValueError naming the setting for an unknown cell or skip.
  void validate() const;
};

class LongRangeModel : public Module<float> {
 public:
  LongRangeModel(const LongRangeSpec& spec, std::size_t input_size, std::size_t output_size,
                 std::uint64_t seed);

  struct Output {
    Var<float> y;               // [B, O] (last) or [B, T, O] (per step)
    SequenceOutput<float> seq;  // the stack's, with step_states when asked
  };
  // last: the many-to-one readout from h_T; else one readout per step.
  Output forward(const Var<float>& x, bool last, const ForwardOptions& how = {}) const;

 private:
  LongRangeSpec spec_;
  CustomStack<float> stack_;
  std::shared_ptr<Attention<float>> attention_;
  std::shared_ptr<Linear<float>> head_;
};

}  // namespace unroll::lab
