// How tag's predict shows tags: per input line, one letter per character (piped) or the line
// coloured with ANSI escapes (a terminal). The newline ending a line is not shown; a final line
// without one still gets its output line.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "models/tasks/cpp_tags.hpp"

namespace unroll::tag {

inline constexpr std::size_t kMaxInputBytes = 1 << 20;

// c code, m comment, s literal (string or character), n number, p preprocessor.
char tag_letter(tasks::CppTag tag);
// "c code, m comment, s string/char literal, n number, p preprocessor" (for --help).
std::string letter_legend();

// Lines of letters, each ended by '\n'.
std::string render_letters(const std::u32string& text, const std::vector<tasks::CppTag>& tags);
// The text (UTF-8) with an SGR colour opened where a run of one tag begins and "\x1b[0m" where
// it ends: comment green, literal yellow, number magenta, preprocessor blue, code uncoloured.
std::string render_colour(const std::u32string& text, const std::vector<tasks::CppTag>& tags);

}  // namespace unroll::tag
