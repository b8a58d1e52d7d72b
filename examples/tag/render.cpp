#include "examples/tag/render.hpp"

#include "models/text/utf8.hpp"

namespace unroll::tag {
namespace {

using tasks::CppTag;

// The SGR sequence of a tag; "" for code.
const char* colour_of(CppTag tag) {
  switch (tag) {
    case CppTag::Comment:
      return "\x1b[32m";
    case CppTag::Literal:
      return "\x1b[33m";
    case CppTag::Number:
      return "\x1b[35m";
    case CppTag::Preprocessor:
      return "\x1b[34m";
    case CppTag::Code:
      break;
  }
  return "";
}

constexpr const char* kReset = "\x1b[0m";

}  // namespace

char tag_letter(CppTag tag) {
  switch (tag) {
    case CppTag::Comment:
      return 'm';
    case CppTag::Literal:
      return 's';
    case CppTag::Number:
      return 'n';
    case CppTag::Preprocessor:
      return 'p';
    case CppTag::Code:
      break;
  }
  return 'c';
}

std::string letter_legend() {
  return "c code, m comment, s string/char literal, n number, p preprocessor";
}

std::string render_letters(const std::u32string& text, const std::vector<CppTag>& tags) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i)
    out += text[i] == U'\n' ? '\n' : tag_letter(tags[i]);
  if (!text.empty() && text.back() != U'\n') out += '\n';
  return out;
}

std::string render_colour(const std::u32string& text, const std::vector<CppTag>& tags) {
  std::string out;
  bool open = false;  // an SGR colour is in effect
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool starts = i == 0 || text[i - 1] == U'\n' || tags[i - 1] != tags[i];
    if (text[i] == U'\n') {
      if (open) out += kReset, open = false;
      out += '\n';
      continue;
    }
    if (starts) {
      if (open) out += kReset, open = false;
      if (tags[i] != CppTag::Code) out += colour_of(tags[i]), open = true;
    }
    out += encode_utf8(text[i]);
  }
  if (open) out += kReset;
  if (!text.empty() && text.back() != U'\n') out += '\n';
  return out;
}

}  // namespace unroll::tag
