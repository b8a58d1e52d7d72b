// UTF-8 decoding and encoding of Unicode code points (the symbols of a character-level model).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace unroll {

// Every code point of `text`; ValueError naming the byte offset and the reason at the first
// invalid sequence (truncated, overlong, surrogate, past U+10FFFF, stray continuation byte).
std::u32string decode_utf8(std::string_view text);
std::string encode_utf8(char32_t code_point);
std::string encode_utf8(std::u32string_view code_points);
// "'a' (U+0061)" — how errors show a symbol; control characters show only the code.
std::string describe_symbol(char32_t code_point);

}  // namespace unroll
