#include "models/char_lm/config.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"

namespace unroll {
namespace {

const std::string& required(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end())
    throw ValueError(fmt::format("checkpoint metadata: required key '{}' is missing", key));
  return it->second;
}

// Decimal digits only: std::stoull alone would take " -5" as 2^64 − 5, and "+5" or " 5".
std::size_t parse_size(const std::string& key, const std::string& value) {
  if (value.empty() || value.find_first_not_of("0123456789") != value.npos)
    throw ValueError(
        fmt::format("checkpoint metadata: '{}' = '{}' is not a whole number", key, value));
  try {
    return std::stoull(value);
  } catch (const std::out_of_range&) {
    throw ValueError(fmt::format("checkpoint metadata: '{}' = '{}' is too large", key, value));
  }
}

// All of `value` one number ("0.25x" is not one).
double parse_number(const std::string& key, const std::string& value) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size())
    throw ValueError(fmt::format("checkpoint metadata: '{}' = '{}' is not a number", key, value));
  return v;
}

}  // namespace

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
  CharLMConfig c;
  c.cell = required(m, "cell");
  c.layers = parse_size("layers", required(m, "layers"));
  c.hidden = parse_size("hidden", required(m, "hidden"));
  c.embed = parse_size("embed", required(m, "embed"));
  c.vocabulary = Vocabulary::from_json(required(m, "vocab"));
  if (auto it = m.find("nonlinearity"); it != m.end()) c.nonlinearity = it->second;
  if (auto it = m.find("residual"); it != m.end()) {
    if (it->second != "true" && it->second != "false")
      throw ValueError(
          fmt::format("checkpoint metadata: 'residual' = '{}' is not true or false", it->second));
    c.residual = it->second == "true";
  }
  if (auto it = m.find("dropout"); it != m.end()) c.dropout = parse_number("dropout", it->second);
  if (auto it = m.find("temporal_skip"); it != m.end())
    c.temporal_skip = parse_size("temporal_skip", it->second);
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
