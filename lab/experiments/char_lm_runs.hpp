// What the character-language-model experiments (cells, depth) share: their scale, one
// training run with validation rows, and the curves their reports draw.
#pragma once

#include <string>
#include <vector>

#include "lab/experiment.hpp"
#include "models/char_lm/char_lm.hpp"

namespace unroll::lab {

struct CharLMScale {
  std::size_t parameters;  // the cells experiment's budget per model
  std::size_t embed, layers, steps, seq, batch, eval_every;
  std::size_t validation_chars;  // the validation text is cut to this many characters
};
CharLMScale char_lm_scale(Scale scale);

// The hidden width whose model (embedding E, `layers` layers, a head over ~96 symbols) has about
// `parameters` weights.
std::size_t hidden_for_parameters(const std::string& cell, std::size_t parameters,
                                  std::size_t embed, std::size_t layers);

// Where a char-LM run departs from its scale (0: the scale's): seq, the training window (the
// truncated BPTT length); batch, the streams; eval_seq, the validation windows (0: seq).
struct CharLMOverrides {
  std::size_t seq = 0, batch = 0, eval_seq = 0;
};

// Trains `config` (its vocabulary taken from context.text, 90 % training, 10 % validation) for
// `steps` steps of B × seq characters with Adam 2e-3 and clip-norm 5, seeded by context.seed.
// Rows every eval_every steps and at the end: step, elapsed_s and tokens_per_s (training time,
// validation left out; these two differ between reruns), train_loss, val_bpc, parameters,
// first_layer_grad_norm (‖∂L/∂W‖ of layer 0's weights).
std::vector<Row> train_char_lm(const CharLMConfig& config, std::size_t steps,
                               const RunContext& context, const CharLMOverrides& overrides = {});

// One setting's rows as curves (the mean over seeds at each step).
struct CharLMCurve {
  std::size_t hidden = 0, parameters = 0;
  std::vector<double> step, seconds, val_bpc, train_loss, first_layer_grad_norm;
  double tokens_per_s = 0;
};
CharLMCurve char_lm_curve(const Table& rows);

// The setup paragraph of a char-LM report.
std::string char_lm_setup(const Table& results, Scale scale);

}  // namespace unroll::lab
