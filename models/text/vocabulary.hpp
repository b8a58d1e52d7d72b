// The symbols of a character-level model: Unicode code points, sorted, each with an id.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "framework/tensor.hpp"

namespace unroll {

class Vocabulary {
 public:
  // Every distinct code point of `text`, sorted by code point; ValueError when text is empty.
  static Vocabulary from_text(const std::u32string& text);
  // The symbols in id order (as a checkpoint stores them); ValueError for duplicates or none.
  explicit Vocabulary(std::u32string symbols);

  std::size_t size() const { return symbols_.size(); }
  char32_t symbol(std::int64_t id) const;  // IndexError outside [0, size)
  bool contains(char32_t symbol) const { return ids_.count(symbol) != 0; }
  const std::u32string& symbols() const { return symbols_; }

  // Ids of `text`; IndexError naming the first unknown symbol, its position and `what`.
  std::vector<std::int64_t> encode(const std::u32string& text, const std::string& what) const;
  std::int64_t id(char32_t symbol) const;                          // IndexError when unknown
  std::string decode(const std::vector<std::int64_t>& ids) const;  // UTF-8

  // A JSON array of the symbols as UTF-8 strings, in id order (the checkpoint's "vocab").
  std::string to_json() const;
  static Vocabulary from_json(const std::string& json);

 private:
  std::u32string symbols_;
  std::unordered_map<char32_t, std::int64_t> ids_;
};

}  // namespace unroll
