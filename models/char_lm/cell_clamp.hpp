// A cell clamp as the command line writes it — "LAYER:CELL=VALUE" (h) or "LAYER:CELL:c=VALUE" (an
// LSTM's c) — parsed and checked against a model's configuration. Applying it while sampling is
// models/char_lm/clamp.hpp; this half needs no tensors, so the command line links it alone.
#pragma once

#include <string>
#include <vector>

#include "models/char_lm/config.hpp"

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

}  // namespace unroll
