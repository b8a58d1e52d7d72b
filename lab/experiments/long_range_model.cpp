#include "lab/experiments/long_range_model.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"
#include "framework/ops/shape.hpp"

namespace unroll::lab {
namespace {

template <class Cell>
CustomStack<float> stack_of(const RecurrentOptions& options, const char* name) {
  return CustomStack<float>::of(std::make_shared<Recurrent<Cell>>(options, name));
}

CustomStack<float> make_stack(const LongRangeSpec& spec, std::size_t input_size,
                              std::uint64_t seed) {
  auto options = RecurrentOptions(input_size, spec.hidden).layers(spec.layers).seed(seed);
  if (spec.skip == "output") options.skip_mode(SkipMode::Output).temporal_skip(spec.k);
  if (spec.skip == "dilated") options.skip_mode(SkipMode::Dilated).temporal_skip(spec.k);
  if (spec.cell == "lstm") return stack_of<LSTMCell<float>>(options.forget_bias(1.0), "LSTM");
  if (spec.cell == "gru") return stack_of<GRUCell<float>>(options, "GRU");
  if (spec.cell == "rnn") return stack_of<RNNCell<float>>(options, "RNN");
  CustomStack<float> irnn = stack_of<RNNCell<float>>(
      options.nonlinearity(Nonlinearity::Relu).recurrent_init(RecurrentInit::Identity), "IRNN");
  for (auto& [name, p] : irnn.module->named_parameters())
    if (name.rfind("bias", 0) == 0) p.mutable_value().fill(0.0f);
  return irnn;
}

}  // namespace

void LongRangeSpec::validate() const {
  if (cell != "rnn" && cell != "irnn" && cell != "lstm" && cell != "gru")
    throw ValueError(fmt::format("long-range: cell '{}' is not one of rnn, irnn, lstm, gru", cell));
  if (skip != "none" && skip != "output" && skip != "dilated")
    throw ValueError(
        fmt::format("long-range: skip '{}' is not one of none, output, dilated", skip));
}

LongRangeModel::LongRangeModel(const LongRangeSpec& spec, std::size_t input_size,
                               std::size_t output_size, std::uint64_t seed)
    : spec_((spec.validate(), spec)), stack_(make_stack(spec, input_size, seed)) {
  register_module("rnn", stack_.module);
  const std::size_t h = spec.hidden;
  if (spec.attention)
    attention_ = register_module(
        "attention", std::make_shared<Attention<float>>(AttentionOptions(h, h).seed(seed + 101)));
  head_ = register_module(
      "head", std::make_shared<Linear<float>>(spec.attention ? 2 * h : h, output_size, seed + 202));
}

LongRangeModel::Output LongRangeModel::forward(const Var<float>& x, bool last,
                                               const ForwardOptions& how) const {
  Output out;
  out.seq = stack_.forward(x, {}, how);
  const Var<float>& h = out.seq.output;  // [B, T, H]
  Var<float> query = last ? select(h, 1, h.dim(1) - 1) : h;
  if (attention_) query = concat({query, attention_->forward(query, h).context}, -1);
  out.y = head_->forward(query);
  return out;
}

}  // namespace unroll::lab
