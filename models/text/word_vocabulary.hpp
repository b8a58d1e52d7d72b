// The words of a word-level model: <pad> <start> <end>, then the task's words, each with an id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace unroll {

class WordVocabulary {
 public:
  static constexpr std::int64_t kPad = 0, kStart = 1, kEnd = 2;

  // Ids 0, 1, 2 are <pad> <start> <end>; `words` follow in the order given. ValueError naming the
  // word for an empty one, one with a space, a duplicate or one of the three reserved.
  explicit WordVocabulary(const std::vector<std::string>& words);

  std::size_t size() const { return words_.size(); }
  const std::string& word(std::int64_t id) const;  // IndexError outside [0, size)
  std::int64_t id(std::string_view word) const;    // IndexError naming an unknown word

  // The ids of the words of `sentence`, separated by single spaces (no <start> or <end> added);
  // IndexError naming an unknown word and its position.
  std::vector<std::int64_t> encode(std::string_view sentence) const;
  // The words of `ids` joined by spaces, skipping <pad> and <start>, up to the first <end>.
  std::string decode(const std::vector<std::int64_t>& ids) const;

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, std::int64_t> ids_;
};

}  // namespace unroll
