// The features of a text that hidden cells are scored against, on hand-written texts.
#include <catch2/catch.hpp>

#include "models/text/features.hpp"
#include "models/text/utf8.hpp"

using namespace unroll;

namespace {

// The feature as a string of '1' and '0', one per code point: easy to read beside the text.
std::string marks(const std::vector<double>& values) {
  std::string s;
  for (double v : values) s += v != 0.0 ? '1' : '0';
  return s;
}

std::vector<double> numbers(std::initializer_list<double> v) { return v; }

}  // namespace

TEST_CASE("a double-quoted string includes its quotes and its escaped quotes", "[features]") {
  const std::u32string text = U"x = \"a\\\"b\"; y";
  //                              x   =   " a \ " b " ; y
  CHECK(marks(double_quoted_string(text)) == "0000111111000");
  CHECK(marks(single_quoted_literal(text)) == "0000000000000");
}

TEST_CASE("single-quoted literals are told from double-quoted strings and digit separators",
          "[features]") {
  const std::u32string text = U"c = '\"'; n = 1'000; s = \"'\";";
  const std::string single = marks(single_quoted_literal(text));
  const std::string dbl = marks(double_quoted_string(text));
  CHECK(single.substr(4, 3) == "111");     // '"'
  CHECK(dbl.substr(4, 3) == "000");        // the " inside it opens nothing
  CHECK(single.substr(13, 5) == "00000");  // 1'000 is a number
  CHECK(dbl.substr(24, 3) == "111");       // "'"
  CHECK(single.substr(24, 3) == "000");
}

TEST_CASE("comments: // to the line's end, /* */ without nesting, no comment inside a string",
          "[features]") {
  const std::u32string text = U"a // b\nc /* d /* e */ f */ \"//\"";
  const std::string c = marks(inside_comment(text));
  CHECK(c.substr(0, 7) == "0011110");  // the newline ending a // comment is code
  // "c /* d /* e */" is a comment through the first */; " f */" is code again
  CHECK(c.substr(7, 14) == "00111111111111");
  CHECK(c.substr(21, 5) == "00000");
  CHECK(c.substr(26) == "00000");  // "//" is a string
}

TEST_CASE("positions are in code points, not bytes", "[features]") {
  const std::u32string text = decode_utf8("한글 \"말\"\nab");
  REQUIRE(text.size() == 9);
  CHECK(position_in_line(text) == numbers({0, 1, 2, 3, 4, 5, 6, 0, 1}));
  CHECK(to_end_of_line(text) == numbers({6, 5, 4, 3, 2, 1, 0, 2, 1}));
  CHECK(marks(double_quoted_string(text)) == "000111000");
}

TEST_CASE("bracket depth counts round, square and curly brackets outside strings and comments",
          "[features]") {
  const std::u32string text = U"f(a[\"(\"]) // (\n{)}";
  const auto depth = bracket_depth(text);
  CHECK(depth == numbers({0, 1, 1, 2, 2, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}));
  // any closing bracket closes the innermost open one; depth never goes below zero
  CHECK(bracket_depth(U"))(") == numbers({0, 0, 1}));
}

TEST_CASE("indentation, words and newlines", "[features]") {
  const std::u32string text = U"  ab c\n\tx1";
  CHECK(indentation_width(text) == numbers({2, 2, 2, 2, 2, 2, 2, 1, 1, 1}));
  CHECK(position_in_word(text) == numbers({-1, -1, 0, 1, -1, 0, -1, -1, 0, 1}));
  const auto features = text_features(text);
  auto feature = [&](const std::string& name) {
    for (const auto& f : features)
      if (f.name == name) return marks(f.values);
    FAIL("no feature " << name);
    return std::string();
  };
  CHECK(feature("indentation") == "1100000100");
  CHECK(feature("after a newline") == "0000001000");
  CHECK(feature("start of a word") == "0010010010");
  CHECK(feature("inside a word") == "0011010011");
  CHECK(feature("vowel") == "0010000000");
  CHECK(feature("consonant") == "0001010010");
  for (const auto& f : features) CHECK(f.values.size() == text.size());
}

TEST_CASE("a last line without a newline ends at the text's end; a blank line is all indentation",
          "[features]") {
  const std::u32string text = U"ab\n  \nc";
  //                              a b \n ␣ ␣ \n c
  CHECK(position_in_line(text) == numbers({0, 1, 2, 0, 1, 2, 0}));
  CHECK(to_end_of_line(text) == numbers({2, 1, 0, 2, 1, 0, 1}));  // c: as if a newline followed
  CHECK(indentation_width(text) == numbers({0, 0, 0, 2, 2, 2, 0}));
  CHECK(position_in_word(text) == numbers({0, 1, -1, -1, -1, -1, 0}));
  for (const auto& f : text_features(text))
    if (f.name == "indentation") CHECK(marks(f.values) == "0001100");
  // One character, no newline anywhere.
  CHECK(to_end_of_line(U"x") == numbers({1}));
  CHECK(indentation_width(U" ") == numbers({1}));
}
