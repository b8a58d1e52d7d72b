// charlm's hidden-state lab: `charlm states` (record), `charlm cells` (find, see with --html,
// intervene with --intervene). `charlm sample --clamp` is in main.cpp, through
// models/char_lm/clamp.hpp.
#pragma once

#include <string>

#include "examples/charlm/cli.hpp"
#include "framework/thread_tuner.hpp"

namespace unroll::charlm {

// Records `data` (at most args.limit characters) to args.out; prints what it wrote.
int states_command(const std::string& ckpt, const std::string& data, const StatesArgs& args,
                   ThreadTuner* threads);
// Scores every cell of `ckpt` on `data` against the text's features and prints the best ones and
// the gates' saturation; then the page (--html) and the intervention (--intervene).
int cells_command(const std::string& ckpt, const std::string& data, const CellsArgs& args,
                  ThreadTuner* threads);

}  // namespace unroll::charlm
