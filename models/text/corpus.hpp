// A text corpus for a character-level model: read, decoded, split into training and validation.
#pragma once

#include <string>

namespace unroll {

struct Corpus {
  std::u32string train;       // the first (1 − val_fraction) of the code points
  std::u32string validation;  // the last val_fraction of them
};

// Reads a UTF-8 file whole; ValueError naming the path when it cannot be read, is empty, or is
// not valid UTF-8 (with the byte offset).
std::u32string read_text_file(const std::string& path);
// The last ⌊val_fraction · N⌋ code points are validation; ValueError unless 0 ≤ val_fraction < 1.
Corpus split_corpus(std::u32string text, double val_fraction);

}  // namespace unroll
