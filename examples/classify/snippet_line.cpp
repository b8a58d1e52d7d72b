#include "examples/classify/snippet_line.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"
#include "models/text/utf8.hpp"

namespace unroll::classify {

std::variant<std::u32string, std::string> parse_snippet_line(const std::string& line,
                                                             std::size_t max_symbols) {
  std::string raw = line;
  if (!raw.empty() && raw.back() == '\r') raw.pop_back();
  std::string text;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char next = i + 1 < raw.size() ? raw[i + 1] : '\0';
    if (raw[i] == '\\' && (next == 'n' || next == 't' || next == '\\')) {
      text += next == 'n' ? '\n' : next == 't' ? '\t' : '\\';
      ++i;
    } else {
      text += raw[i];
    }
  }
  if (text.empty()) return std::string("empty snippet");
  std::u32string symbols;
  try {
    symbols = decode_utf8(text);
  } catch (const ValueError& e) {
    return fmt::format("not valid UTF-8: {}", e.what());
  }
  if (symbols.size() > max_symbols)
    return fmt::format("snippet of {} symbols is longer than {}", symbols.size(), max_symbols);
  return symbols;
}

}  // namespace unroll::classify
