// Clamping cells while sampling: after every symbol read, cell k of layer l is set to a fixed
// value — in h, or in an LSTM's c — through the generation hook, so the next prediction and every
// later step read it. What a cell *does* shows when it is held on or off.
#pragma once

#include <vector>

#include "models/char_lm/cell_clamp.hpp"
#include "models/char_lm/generate.hpp"

namespace unroll {

// A hook that applies every clamp after each symbol, then calls `then` (if any).
GenerationHook<float> clamping_hook(std::vector<CellClamp> clamps, GenerationHook<float> then = {});

}  // namespace unroll
