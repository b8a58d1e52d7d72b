// Features of a text, one value per code point, to find the hidden cells that track them
// (Karpathy, Johnson & Fei-Fei 2015): value t describes the text as it stands once character t
// has been read — the moment a model's state h_t describes.
//
// Binary (1 or 0):
//   double-quoted string   inside "…" (both quotes included), by the C++ lexer of
//                          models/tasks/cpp_tags: escapes, raw strings and prefixes understood
//   single-quoted literal  inside '…' (the same lexer; 1'000 is a number, not a literal)
//   comment                inside // … or /* … */ (delimiters included; C comments do not nest)
//   after a newline        character t is a newline
//   start of a word        t is a word character (letter, digit, _) and t − 1 is not
//   inside a word          t is a word character
//   vowel, consonant       t is an ASCII letter that is (is not) one of a e i o u, either case
//   indentation            t is a space or tab before the first other character of its line
// Numeric:
//   bracket depth          open ( [ { minus closed ones outside strings and comments, after t
//                          (never below 0)
//   position in line       code points since the line's start (its first character: 0)
//   to end of line         code points from t to the line's newline (the newline itself: 0)
//   indentation width      leading spaces and tabs of t's line (a tab counts 1)
//   position in word       0 for the word's first character, 1 for the next, …; −1 outside
#pragma once

#include <string>
#include <vector>

namespace unroll {

enum class FeatureKind { Binary, Numeric };

struct TextFeature {
  std::string name;
  FeatureKind kind = FeatureKind::Binary;
  std::vector<double> values;  // one per code point
};

// Every feature above, in that order.
std::vector<TextFeature> text_features(const std::u32string& text);

// Each feature alone (the same definitions), for tests and callers that want one.
std::vector<double> double_quoted_string(const std::u32string& text);
std::vector<double> single_quoted_literal(const std::u32string& text);
std::vector<double> inside_comment(const std::u32string& text);
std::vector<double> bracket_depth(const std::u32string& text);
std::vector<double> position_in_line(const std::u32string& text);
std::vector<double> to_end_of_line(const std::u32string& text);
std::vector<double> indentation_width(const std::u32string& text);
std::vector<double> position_in_word(const std::u32string& text);

}  // namespace unroll
