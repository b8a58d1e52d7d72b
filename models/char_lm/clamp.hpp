// Clamping cells while sampling: after every symbol read, cell k of layer l is set to a fixed
// value — in h, or in an LSTM's c — through the generation hook, so the next prediction and every
// later step read it. What a cell *does* shows when it is held on or off.
#pragma once

#include <string>
#include <vector>

#include "models/char_lm/generate.hpp"

namespace unroll {

struct CellClamp {
  std::size_t layer = 0, cell = 0;
  std::size_t part = 0;  // 0: h; 1: c (LSTM)
  double value = 0;
};

// "LAYER:CELL=VALUE" (h) or "LAYER:CELL:c=VALUE" (an LSTM's c): ValueError quoting the text when
// malformed (the value must be finite).
CellClamp parse_clamp(const std::string& text);
// "1:17=0.9", "1:17:c=2.5".
std::string describe(const CellClamp& clamp);

// IndexError naming the clamp when its layer, cell or part does not exist in `config`.
void check_clamps(const std::vector<CellClamp>& clamps, const CharLMConfig& config);

// A hook that applies every clamp after each symbol, then calls `then` (if any).
GenerationHook<float> clamping_hook(std::vector<CellClamp> clamps, GenerationHook<float> then = {});

}  // namespace unroll
