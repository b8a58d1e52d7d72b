#include "models/tasks/cpp_tags.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace unroll::tasks {

namespace {

// An ASCII decimal digit.
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Identifier bytes: ASCII letters, digits, _ and $, and every byte of a multi-byte UTF-8 sequence.
bool is_ident(char c) {
  const auto u = static_cast<unsigned char>(c);
  return is_digit(c) || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || c == '_' || c == '$' ||
         u >= 0x80;
}
// Identifier bytes that may begin one (not a digit).
bool is_ident_start(char c) { return is_ident(c) && !is_digit(c); }
// Whitespace other than the newline.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s), tags_(s.size(), CppTag::Code) {}

  // The tags of the whole text: code, comments and directives at the top level.
  std::vector<CppTag> run() {
    std::size_t i = 0;
    bool line_start = true;
    while (i < s_.size()) {
      const char c = s_[i];
      if (c == '\n') {
        line_start = true;
        ++i;
      } else if (is_blank(c) || starts(i, "/*")) {
        i = is_blank(c) ? i + 1 : block_comment(i);  // a comment is a space: line_start stays
      } else if (c == '#' && line_start) {
        i = directive(i);
      } else {
        line_start = false;
        i = token(i, false);
      }
    }
    return std::move(tags_);
  }

 private:
  // Whether the text at i begins with w.
  bool starts(std::size_t i, std::string_view w) const { return s_.substr(i, w.size()) == w; }
  // The byte at i, or '\0' past the end.
  char at(std::size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
  // Tags bytes [from, to) (clipped to the text) with `tag`.
  void mark(std::size_t from, std::size_t to, CppTag tag) {
    std::fill(tags_.begin() + static_cast<std::ptrdiff_t>(from),
              tags_.begin() + static_cast<std::ptrdiff_t>(std::min(to, s_.size())), tag);
  }
  // The length of a backslash-newline (\ then \n or \r\n) at i, or 0.
  std::size_t splice(std::size_t i) const {
    if (at(i) != '\\') return 0;
    if (at(i + 1) == '\n') return 2;
    return at(i + 1) == '\r' && at(i + 2) == '\n' ? 3 : 0;
  }

  // One token that is not whitespace at i; inside a directive all but comments are Preprocessor.
  // Returns the index after it.
  std::size_t token(std::size_t i, bool in_directive) {
    const auto as = [&](CppTag t) { return in_directive ? CppTag::Preprocessor : t; };
    const char c = s_[i];
    if (starts(i, "//")) return line_comment(i);
    if (starts(i, "/*")) return block_comment(i);
    if (is_digit(c) || (c == '.' && is_digit(at(i + 1)))) {
      const std::size_t end = number(i);
      mark(i, end, as(CppTag::Number));
      return end;
    }
    if (is_ident_start(c)) {
      std::size_t j = i;
      while (j < s_.size() && is_ident(s_[j])) ++j;
      const std::string_view word = s_.substr(i, j - i);
      std::size_t end = j;
      if (at(j) == '"' &&
          (word == "R" || word == "LR" || word == "uR" || word == "UR" || word == "u8R"))
        end = raw_string(j);
      else if ((at(j) == '"' || at(j) == '\'') &&
               (word == "L" || word == "u" || word == "U" || word == "u8"))
        end = quoted(j);
      mark(i, end, end != j ? as(CppTag::Literal) : as(CppTag::Code));
      return end;
    }
    if (c == '"' || c == '\'') {
      const std::size_t end = quoted(i);
      mark(i, end, as(CppTag::Literal));
      return end;
    }
    mark(i, i + 1, as(CppTag::Code));
    return i + 1;
  }

  // // … up to the newline, continued by backslash-newlines; returns the newline's index.
  std::size_t line_comment(std::size_t i) {
    std::size_t j = i;
    while (j < s_.size() && s_[j] != '\n') j += std::max<std::size_t>(splice(j), 1);
    mark(i, j, CppTag::Comment);
    return j;
  }

  // /* … */ (or to the end); returns the index after it.
  std::size_t block_comment(std::size_t i) {
    const std::size_t close = s_.find("*/", i + 2);
    const std::size_t end = close == std::string_view::npos ? s_.size() : close + 2;
    mark(i, end, CppTag::Comment);
    return end;
  }

  // A pp-number from i: digits, letters, _, ., e± p± and digit separators ' before a digit or a
  // letter. Returns the index after it.
  std::size_t number(std::size_t i) const {
    std::size_t j = i + 1;
    while (j < s_.size()) {
      const char c = s_[j];
      if ((c == '+' || c == '-') &&
          (s_[j - 1] == 'e' || s_[j - 1] == 'E' || s_[j - 1] == 'p' || s_[j - 1] == 'P'))
        ++j;
      else if (c == '\'' && is_ident(at(j + 1)))
        j += 2;
      else if (is_ident(c) || c == '.')
        ++j;
      else
        break;
    }
    return j;
  }

  // "…" or '…' opened at i, with escapes (a backslash-newline continues it), then any suffix.
  // An unclosed one ends before its newline. Returns the index after it.
  std::size_t quoted(std::size_t i) {
    const char quote = s_[i];
    std::size_t j = i + 1;
    bool closed = false;
    while (j < s_.size()) {
      const char c = s_[j];
      if (c == '\\') {
        j += std::max<std::size_t>(splice(j), 2);
      } else if (c == quote) {
        closed = true;
        ++j;
        break;
      } else if (c == '\n') {
        break;
      } else {
        ++j;
      }
    }
    j = std::min(j, s_.size());
    if (closed)
      while (j < s_.size() && is_ident(s_[j])) ++j;
    return j;
  }

  // R"delim( … )delim" with its " at i (delim: at most 16 bytes, none of space ( ) \ or a control
  // byte); a malformed opening is read as an ordinary string. Returns the index after it.
  std::size_t raw_string(std::size_t i) {
    std::size_t j = i + 1;
    while (j < s_.size() && j - i - 1 <= 16 && s_[j] != '(' && s_[j] != ')' && s_[j] != '\\' &&
           static_cast<unsigned char>(s_[j]) > ' ' && s_[j] != '"')
      ++j;
    if (at(j) != '(' || j - i - 1 > 16) return quoted(i);
    std::string close(1, ')');
    close.append(s_.substr(i + 1, j - i - 1)).push_back('"');
    const std::size_t found = s_.find(close, j + 1);
    std::size_t end = found == std::string_view::npos ? s_.size() : found + close.size();
    while (end < s_.size() && is_ident(s_[end])) ++end;
    return end;
  }

  // A directive from its # at i to its ending newline (whose index is returned).
  std::size_t directive(std::size_t i) {
    mark(i, i + 1, CppTag::Preprocessor);
    std::size_t j = i + 1;
    bool header = false;  // after #include, #include_next or #import: <…> is a header name
    bool named = false;
    while (j < s_.size() && s_[j] != '\n') {
      if (const std::size_t n = splice(j)) {
        mark(j, j + n, CppTag::Preprocessor);
        j += n;
      } else if (is_blank(s_[j])) {
        mark(j, j + 1, CppTag::Preprocessor);
        ++j;
      } else if (header && s_[j] == '<') {
        const std::size_t close = s_.find_first_of(">\n", j);
        const std::size_t end = close == std::string_view::npos || s_[close] == '\n'
                                    ? std::min(close, s_.size())
                                    : close + 1;
        mark(j, end, CppTag::Preprocessor);
        j = end;
        header = false;
      } else {
        const bool comment = starts(j, "//") || starts(j, "/*");
        const std::size_t end = token(j, true);
        if (!comment) {
          const std::string_view name = s_.substr(j, end - j);
          header = !named && (name == "include" || name == "include_next" || name == "import");
          named = true;
        }
        j = end;
      }
    }
    return j;
  }

  std::string_view s_;
  std::vector<CppTag> tags_;
};

}  // namespace

std::string_view cpp_tag_name(CppTag tag) {
  static constexpr std::array<std::string_view, kCppTagCount> names = {"code", "comment", "literal",
                                                                       "number", "preprocessor"};
  return names[static_cast<std::size_t>(tag)];
}

std::vector<CppTag> tag_cpp(std::string_view source) { return Lexer(source).run(); }

}  // namespace unroll::tasks
