// A Tagger's architecture and its symbols, as tag's options and a checkpoint's __metadata__
// describe them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "models/text/vocabulary.hpp"

namespace unroll::tagger {

struct TaggerConfig {
  std::string cell = "gru";  // lstm | gru
  std::size_t embed = 32;
  std::size_t hidden = 64;
  std::size_t layers = 1;
  bool bidirectional = true;
  // The known symbols; ids 0 … n−1, and n for <unk> (any other symbol).
  Vocabulary vocabulary = Vocabulary(U" ");

  std::size_t directions() const { return bidirectional ? 2 : 1; }
  std::size_t unk_id() const { return vocabulary.size(); }
  // The ids of `text`: a symbol outside the vocabulary maps to unk_id().
  std::vector<std::int64_t> encode(const std::u32string& text) const;

  // The checkpoint's __metadata__: program ("tag"), cell, embed, hidden, layers, bidirectional,
  // vocab (a JSON array).
  std::map<std::string, std::string> to_metadata() const;
  // ValueError naming the key for a missing or malformed value, or "its metadata names program
  // 'classify', not 'tag'" for another program's checkpoint.
  static TaggerConfig from_metadata(const std::map<std::string, std::string>& metadata);
  // ValueError naming the setting when a size is zero or the cell unknown.
  void validate() const;
};

}  // namespace unroll::tagger
