// A Translator's architecture and its two vocabularies, as translate's options and a
// checkpoint's __metadata__ describe them.
//   source: the symbols of every date format (source_symbols()), ids 0 … n−1;
//   target: 0 <pad>, 1 <s>, 2 </s>, then 3 + i for the i-th symbol of "-0123456789".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/seq2seq/seq2seq.hpp"
#include "models/text/vocabulary.hpp"

namespace unroll::translator {

inline constexpr std::int64_t kStart = 1, kEnd = 2, kFirstSymbol = 3;

struct TranslatorConfig {
  std::size_t embed = 32;
  std::size_t hidden = 64;
  std::size_t layers = 1;
  bool bidirectional = false;
  std::string attention = "general";  // none | dot | general | additive
  Vocabulary source = Vocabulary(U" ");
  Vocabulary target = Vocabulary(U"-0123456789");

  // The model's sizes; ValueError for an unknown attention name.
  Seq2SeqConfig seq2seq() const;
  // Source ids; IndexError naming the first unknown symbol and its position.
  std::vector<std::int64_t> encode_source(const std::u32string& text) const;
  // Target ids without <s> and </s>.
  std::vector<std::int64_t> encode_target(const std::string& iso) const;
  // The UTF-8 text of target ids, up to the first </s> (<s> and <pad> skipped).
  std::string decode_target(const std::vector<std::int64_t>& ids) const;

  // The checkpoint's __metadata__: program ("translate"), embed, hidden, layers, bidirectional,
  // attention, source_vocab and target_vocab (JSON arrays).
  std::map<std::string, std::string> to_metadata() const;
  // ValueError naming the key for a missing or malformed value, or another program's file.
  static TranslatorConfig from_metadata(const std::map<std::string, std::string>& metadata);
};

// Every symbol the date formats use (models/tasks/dates.hpp), sorted.
Vocabulary source_symbols();

}  // namespace unroll::translator
