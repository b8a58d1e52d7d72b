// predict's input: one snippet per line of stdin, with escapes for what a line cannot hold.
//   \n → a newline, \t → a tab, \\ → a backslash; any other backslash stays as written.
#pragma once

#include <string>
#include <variant>

namespace unroll::classify {

// The snippet a line of UTF-8 spells (its trailing "\r" dropped), or the per-line error predict
// prints in its place: "empty snippet", "not valid UTF-8: …", "snippet of N symbols is longer
// than MAX".
std::variant<std::u32string, std::string> parse_snippet_line(const std::string& line,
                                                             std::size_t max_symbols);

}  // namespace unroll::classify
