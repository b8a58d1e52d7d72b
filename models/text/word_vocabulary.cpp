#include "models/text/word_vocabulary.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"

namespace unroll {

WordVocabulary::WordVocabulary(const std::vector<std::string>& words)
    : words_{"<pad>", "<start>", "<end>"} {
  for (std::size_t i = 0; i < words_.size(); ++i) ids_.emplace(words_[i], i);
  for (const auto& w : words) {
    if (w.empty() || w.find(' ') != std::string::npos)
      throw ValueError(fmt::format("WordVocabulary: word '{}' is empty or has a space", w));
    if (!ids_.emplace(w, static_cast<std::int64_t>(words_.size())).second)
      throw ValueError(fmt::format("WordVocabulary: word '{}' is a duplicate or reserved", w));
    words_.push_back(w);
  }
}

const std::string& WordVocabulary::word(std::int64_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= words_.size())
    throw IndexError(fmt::format("WordVocabulary: id {} is outside [0, {})", id, words_.size()));
  return words_[static_cast<std::size_t>(id)];
}

std::int64_t WordVocabulary::id(std::string_view word) const {
  const auto it = ids_.find(std::string(word));
  if (it == ids_.end())
    throw IndexError(fmt::format("WordVocabulary: '{}' is not in the vocabulary", word));
  return it->second;
}

std::vector<std::int64_t> WordVocabulary::encode(std::string_view sentence) const {
  std::vector<std::int64_t> ids;
  std::size_t start = 0;
  while (start <= sentence.size()) {
    const std::size_t end = std::min(sentence.find(' ', start), sentence.size());
    const std::string_view w = sentence.substr(start, end - start);
    const auto it = ids_.find(std::string(w));
    if (it == ids_.end())
      throw IndexError(
          fmt::format("WordVocabulary: word {} '{}' of \"{}\" is not in the vocabulary", ids.size(),
                      w, sentence));
    ids.push_back(it->second);
    start = end + 1;
  }
  return ids;
}

std::string WordVocabulary::decode(const std::vector<std::int64_t>& ids) const {
  std::string out;
  for (const std::int64_t id : ids) {
    if (id == kEnd) break;
    if (id == kPad || id == kStart) continue;
    out += (out.empty() ? "" : " ") + word(id);
  }
  return out;
}

}  // namespace unroll
