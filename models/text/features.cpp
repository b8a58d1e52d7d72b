#include "models/text/features.hpp"

#include <algorithm>

#include "models/tasks/cpp_tags.hpp"
#include "models/text/utf8.hpp"

namespace unroll {
namespace {

using tasks::CppTag;

// The lexer's tag of each code point (the tag of its first byte).
std::vector<CppTag> code_point_tags(const std::u32string& text) {
  std::string bytes;
  std::vector<std::size_t> first_byte(text.size());
  for (std::size_t t = 0; t < text.size(); ++t) {
    first_byte[t] = bytes.size();
    bytes += encode_utf8(text[t]);
  }
  const std::vector<CppTag> byte_tags = tasks::tag_cpp(bytes);
  std::vector<CppTag> tags(text.size());
  for (std::size_t t = 0; t < text.size(); ++t) tags[t] = byte_tags[first_byte[t]];
  return tags;
}

// 1 inside each run of literal code points whose first quote is `quote`.
std::vector<double> literal_of(const std::u32string& text, char32_t quote) {
  const std::vector<CppTag> tags = code_point_tags(text);
  std::vector<double> out(text.size(), 0.0);
  for (std::size_t t = 0; t < text.size();) {
    if (tags[t] != CppTag::Literal) {
      ++t;
      continue;
    }
    std::size_t end = t;
    while (end < text.size() && tags[end] == CppTag::Literal) ++end;
    const auto first_quote = std::find_if(text.begin() + static_cast<std::ptrdiff_t>(t),
                                          text.begin() + static_cast<std::ptrdiff_t>(end),
                                          [](char32_t c) { return c == U'"' || c == U'\''; });
    if (first_quote != text.begin() + static_cast<std::ptrdiff_t>(end) && *first_quote == quote)
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(t),
                out.begin() + static_cast<std::ptrdiff_t>(end), 1.0);
    t = end;
  }
  return out;
}

bool is_word(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z') || (c >= U'0' && c <= U'9') ||
         c == U'_';
}
bool is_letter(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'A' && c <= U'Z'); }
bool is_vowel(char32_t c) {
  const char32_t lower = c >= U'A' && c <= U'Z' ? c - U'A' + U'a' : c;
  return lower == U'a' || lower == U'e' || lower == U'i' || lower == U'o' || lower == U'u';
}
bool is_blank(char32_t c) { return c == U' ' || c == U'\t'; }

// 1 where `test(t)` holds.
template <class Test>
std::vector<double> where(const std::u32string& text, Test test) {
  std::vector<double> out(text.size());
  for (std::size_t t = 0; t < text.size(); ++t) out[t] = test(t) ? 1.0 : 0.0;
  return out;
}

// 1 for the leading spaces and tabs of each line.
std::vector<double> in_indentation(const std::u32string& text) {
  std::vector<double> out(text.size(), 0.0);
  bool leading = true;
  for (std::size_t t = 0; t < text.size(); ++t) {
    if (text[t] == U'\n') {
      leading = true;
      continue;
    }
    leading = leading && is_blank(text[t]);
    out[t] = leading ? 1.0 : 0.0;
  }
  return out;
}

}  // namespace

std::vector<double> double_quoted_string(const std::u32string& text) {
  return literal_of(text, U'"');
}

std::vector<double> single_quoted_literal(const std::u32string& text) {
  return literal_of(text, U'\'');
}

std::vector<double> inside_comment(const std::u32string& text) {
  const std::vector<CppTag> tags = code_point_tags(text);
  return where(text, [&](std::size_t t) { return tags[t] == CppTag::Comment; });
}

std::vector<double> bracket_depth(const std::u32string& text) {
  const std::vector<CppTag> tags = code_point_tags(text);
  std::vector<double> out(text.size());
  double depth = 0;
  for (std::size_t t = 0; t < text.size(); ++t) {
    if (tags[t] == CppTag::Code || tags[t] == CppTag::Preprocessor) {
      const char32_t c = text[t];
      if (c == U'(' || c == U'[' || c == U'{') depth += 1;
      if ((c == U')' || c == U']' || c == U'}') && depth > 0) depth -= 1;
    }
    out[t] = depth;
  }
  return out;
}

std::vector<double> position_in_line(const std::u32string& text) {
  std::vector<double> out(text.size());
  double position = 0;
  for (std::size_t t = 0; t < text.size(); ++t) {
    out[t] = position;
    position = text[t] == U'\n' ? 0 : position + 1;
  }
  return out;
}

std::vector<double> to_end_of_line(const std::u32string& text) {
  std::vector<double> out(text.size());
  for (std::size_t t = text.size(), next = text.size(); t-- > 0;) {
    if (text[t] == U'\n') next = t;
    out[t] = static_cast<double>(next - t);
  }
  return out;
}

std::vector<double> indentation_width(const std::u32string& text) {
  std::vector<double> out(text.size());
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = start;
    while (end < text.size() && text[end] != U'\n') ++end;
    std::size_t width = 0;
    while (start + width < end && is_blank(text[start + width])) ++width;
    for (std::size_t t = start; t <= end && t < text.size(); ++t)
      out[t] = static_cast<double>(width);
    start = end + 1;
  }
  return out;
}

std::vector<double> position_in_word(const std::u32string& text) {
  std::vector<double> out(text.size());
  double position = -1;
  for (std::size_t t = 0; t < text.size(); ++t) {
    position = is_word(text[t]) ? position + 1 : -1;
    out[t] = position;
  }
  return out;
}

std::vector<TextFeature> text_features(const std::u32string& text) {
  using K = FeatureKind;
  auto word = [&](std::size_t t) { return is_word(text[t]); };
  return {
      {"double-quoted string", K::Binary, double_quoted_string(text)},
      {"single-quoted literal", K::Binary, single_quoted_literal(text)},
      {"comment", K::Binary, inside_comment(text)},
      {"after a newline", K::Binary, where(text, [&](std::size_t t) { return text[t] == U'\n'; })},
      {"start of a word", K::Binary,
       where(text, [&](std::size_t t) { return word(t) && (t == 0 || !word(t - 1)); })},
      {"inside a word", K::Binary, where(text, word)},
      {"vowel", K::Binary,
       where(text, [&](std::size_t t) { return is_letter(text[t]) && is_vowel(text[t]); })},
      {"consonant", K::Binary,
       where(text, [&](std::size_t t) { return is_letter(text[t]) && !is_vowel(text[t]); })},
      {"indentation", K::Binary, in_indentation(text)},
      {"bracket depth", K::Numeric, bracket_depth(text)},
      {"position in line", K::Numeric, position_in_line(text)},
      {"to end of line", K::Numeric, to_end_of_line(text)},
      {"indentation width", K::Numeric, indentation_width(text)},
      {"position in word", K::Numeric, position_in_word(text)},
  };
}

}  // namespace unroll
