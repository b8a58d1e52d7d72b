#include "models/char_lm/cell_clamp.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <optional>
#include <string_view>

#include "framework/errors.hpp"

namespace unroll {

namespace {

// The digits at the start of `text` as a number of at most `most` digits, or nullopt.
std::optional<std::size_t> leading_number(std::string_view& text, std::size_t most) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > most) return std::nullopt;
  std::size_t value = 0;
  std::from_chars(text.data(), text.data() + digits, value);
  text.remove_prefix(digits);
  return value;
}

}  // namespace

CellClamp parse_clamp(const std::string& text) {
  auto malformed = [&] {
    return ValueError(fmt::format(
        "clamp '{}': expected LAYER:CELL=VALUE (h) or LAYER:CELL:c=VALUE (an LSTM's c), e.g. "
        "1:17=0.9",
        text));
  };
  std::string_view rest = text;
  const auto layer = leading_number(rest, 6);
  if (!layer || rest.empty() || rest[0] != ':') throw malformed();
  rest.remove_prefix(1);
  const auto cell = leading_number(rest, 9);
  if (!cell) throw malformed();
  CellClamp c{*layer, *cell, 0, 0.0};
  if (rest.size() >= 2 && rest[0] == ':' && (rest[1] == 'h' || rest[1] == 'c')) {
    c.part = rest[1] == 'c' ? 1 : 0;
    rest.remove_prefix(2);
  }
  if (rest.size() < 2 || rest[0] != '=') throw malformed();
  rest.remove_prefix(1);
  const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), c.value);
  if (error != std::errc() || end != rest.data() + rest.size() || !std::isfinite(c.value))
    throw ValueError(fmt::format("clamp '{}': the value '{}' is not a finite number", text, rest));
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

}  // namespace unroll
