// Character classes of C and C++ source, for the synchronous many-to-many tagger: one tag per
// byte, from a small purpose-built lexer (not a compiler: it never fails, whatever the bytes).
//
//   Code          identifiers, keywords, operators, punctuation, whitespace, newlines
//   Comment       // … (through backslash-newline continuations) and /* … */, delimiters included
//   Literal       "…" and '…' with escapes, raw strings R"d(…)d", their prefixes (L u U u8, with R)
//                 and any user-defined suffix ("s"_sv)
//   Number        pp-numbers: 42 0x1F 1.5e-3 .5f 10ULL 0b1010 1'000'000 (the ' is a digit
//                 separator, not a char literal); a digit inside an identifier (x1) is Code
//   Preprocessor  a directive: a # first on its line (after spaces or tabs) through the end of the
//                 line, across backslash-newline continuations
//
// Inside a directive every byte is Preprocessor except comments, which keep Comment: the
// preprocessor sees a comment as one space (translation phase 3), so it is not part of the
// directive; strings, numbers and header names (#include <a//b.h>) are the directive's own text.
// A /* */ comment that spans lines inside a directive does not end it. The newline that ends a
// // comment or a directive is Code. An unterminated "…" or '…' is a Literal up to the end of its
// line (not the newline); an unterminated comment or raw string runs to the end of the text.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace unroll::tasks {

enum class CppTag : std::uint8_t { Code, Comment, Literal, Number, Preprocessor };
inline constexpr std::size_t kCppTagCount = 5;

// "code", "comment", "literal", "number", "preprocessor".
std::string_view cpp_tag_name(CppTag tag);

// One tag per byte of `source` (tags.size() == source.size()); never throws.
std::vector<CppTag> tag_cpp(std::string_view source);

}  // namespace unroll::tasks
