#include "models/char_lm/clamp.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <regex>

namespace unroll {

CellClamp parse_clamp(const std::string& text) {
  static const std::regex form(R"(^(\d{1,6}):(\d{1,9})(:[hc])?=(.+)$)");
  std::smatch m;
  if (!std::regex_match(text, m, form))
    throw ValueError(
        fmt::format("clamp '{}': expected LAYER:CELL=VALUE (h) or LAYER:CELL:c=VALUE (an LSTM's "
                    "c), e.g. 1:17=0.9",
                    text));
  CellClamp c;
  c.layer = std::stoul(m[1]);
  c.cell = std::stoul(m[2]);
  c.part = m[3] == ":c" ? 1 : 0;
  const std::string value = m[4];
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), c.value);
  if (error != std::errc() || end != value.data() + value.size() || !std::isfinite(c.value))
    throw ValueError(fmt::format("clamp '{}': the value '{}' is not a finite number", text, value));
  return c;
}

std::string describe(const CellClamp& clamp) {
  return fmt::format("{}:{}{}={}", clamp.layer, clamp.cell, clamp.part == 1 ? ":c" : "",
                     clamp.value);
}

void check_clamps(const std::vector<CellClamp>& clamps, const CharLMConfig& config) {
  for (const auto& c : clamps) {
    if (c.layer >= config.layers)
      throw IndexError(fmt::format("clamp {}: layer {} does not exist; the model has {} (0 to {})",
                                   describe(c), c.layer, config.layers, config.layers - 1));
    if (c.cell >= config.hidden)
      throw IndexError(fmt::format("clamp {}: cell {} does not exist; layers have {} (0 to {})",
                                   describe(c), c.cell, config.hidden, config.hidden - 1));
    if (c.part == 1 && config.cell != "lstm")
      throw IndexError(fmt::format("clamp {}: a {} has no cell state c; clamp h (LAYER:CELL=VALUE)",
                                   describe(c), config.cell));
  }
}

GenerationHook<float> clamping_hook(std::vector<CellClamp> clamps, GenerationHook<float> then) {
  return [clamps = std::move(clamps), then = std::move(then)](GenerationStep<float>& step) {
    for (const auto& c : clamps) {
      Var<float>& part = step.state.layer(c.layer)[c.part];
      Array<float> value = part.value();  // [1, H]; a copy: the old Var may be shared
      for (std::size_t row = 0; row < value.shape()[0]; ++row)
        value(row, c.cell) = static_cast<float>(c.value);
      part = Var<float>(std::move(value));
    }
    if (then) then(step);
  };
}

}  // namespace unroll
