#include "models/char_lm/config.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"
#include "framework/io/metadata.hpp"

namespace unroll {

std::map<std::string, std::string> CharLMConfig::to_metadata() const {
  return {{"cell", cell},
          {"nonlinearity", nonlinearity},
          {"layers", std::to_string(layers)},
          {"hidden", std::to_string(hidden)},
          {"embed", std::to_string(embed)},
          {"vocab", vocabulary.to_json()},
          {"residual", residual ? "true" : "false"},
          {"dropout", fmt::format("{}", dropout)},
          {"temporal_skip", std::to_string(temporal_skip)},
          {"skip_mode", skip_mode}};
}

CharLMConfig CharLMConfig::from_metadata(const std::map<std::string, std::string>& m) {
  using namespace io;
  // charlm's checkpoints name no program (they predate the key); the other programs' do, and
  // some have the same keys and tensor names (tag: cell, embed, hidden, layers, vocab).
  if (const auto it = m.find("program"); it != m.end())
    throw ValueError(fmt::format("its metadata names program '{}', not charlm", it->second));
  CharLMConfig c;
  c.cell = required(m, "cell");
  c.layers = whole_number("layers", required(m, "layers"));
  c.hidden = whole_number("hidden", required(m, "hidden"));
  c.embed = whole_number("embed", required(m, "embed"));
  c.vocabulary = Vocabulary::from_json(required(m, "vocab"));
  if (auto it = m.find("nonlinearity"); it != m.end()) c.nonlinearity = it->second;
  if (auto it = m.find("residual"); it != m.end()) c.residual = flag("residual", it->second);
  if (auto it = m.find("dropout"); it != m.end()) c.dropout = number("dropout", it->second);
  if (auto it = m.find("temporal_skip"); it != m.end())
    c.temporal_skip = whole_number("temporal_skip", it->second);
  auto mode = m.find("skip_mode");
  c.skip_mode = mode == m.end() ? "accumulate" : mode->second;
  c.validate();
  return c;
}

void CharLMConfig::validate() const {
  if (cell != "rnn" && cell != "lstm" && cell != "gru")
    throw ValueError(fmt::format("cell '{}' is not one of rnn, lstm, gru", cell));
  if (nonlinearity != "tanh" && nonlinearity != "relu")
    throw ValueError(fmt::format("nonlinearity '{}' is not tanh or relu", nonlinearity));
  if (layers == 0) throw ValueError("layers must be at least 1");
  if (hidden == 0) throw ValueError("hidden size must be at least 1");
  if (embed == 0) throw ValueError("embedding size must be at least 1");
  if (!(dropout >= 0.0 && dropout < 1.0))
    throw ValueError(fmt::format("dropout {} is not in [0, 1)", dropout));
  if (skip_mode != "output" && skip_mode != "dilated" && skip_mode != "accumulate")
    throw ValueError(
        fmt::format("skip mode '{}' is not one of output, dilated, accumulate", skip_mode));
}

}  // namespace unroll
