#include "models/text/vocabulary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "framework/errors.hpp"
#include "models/text/utf8.hpp"

namespace unroll {

Vocabulary Vocabulary::from_text(const std::u32string& text) {
  if (text.empty())
    throw ValueError("vocabulary: the text is empty; there is nothing to learn from");
  std::set<char32_t> distinct(text.begin(), text.end());
  return Vocabulary(std::u32string(distinct.begin(), distinct.end()));
}

Vocabulary::Vocabulary(std::u32string symbols) : symbols_(std::move(symbols)) {
  if (symbols_.empty()) throw ValueError("vocabulary: no symbols");
  for (std::size_t i = 0; i < symbols_.size(); ++i)
    if (!ids_.emplace(symbols_[i], static_cast<std::int64_t>(i)).second)
      throw ValueError(fmt::format("vocabulary: symbol {} appears twice (ids {} and {})",
                                   describe_symbol(symbols_[i]), ids_[symbols_[i]], i));
}

char32_t Vocabulary::symbol(std::int64_t id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= symbols_.size())
    throw IndexError(fmt::format("vocabulary: id {} is outside [0, {})", id, symbols_.size()));
  return symbols_[static_cast<std::size_t>(id)];
}

std::int64_t Vocabulary::id(char32_t symbol) const {
  auto it = ids_.find(symbol);
  if (it == ids_.end())
    throw IndexError(fmt::format("vocabulary: symbol {} is not among its {} symbols",
                                 describe_symbol(symbol), symbols_.size()));
  return it->second;
}

std::vector<std::int64_t> Vocabulary::encode(const std::u32string& text,
                                             const std::string& what) const {
  std::vector<std::int64_t> ids(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto it = ids_.find(text[i]);
    if (it == ids_.end())
      throw IndexError(fmt::format(
          "{}: symbol {} at character {} is not in the vocabulary of {} symbols; use text made of "
          "the vocabulary's symbols or train a model whose vocabulary includes it",
          what, describe_symbol(text[i]), i, symbols_.size()));
    ids[i] = it->second;
  }
  return ids;
}

std::string Vocabulary::decode(const std::vector<std::int64_t>& ids) const {
  std::string s;
  for (auto id : ids) s += encode_utf8(symbol(id));
  return s;
}

std::string Vocabulary::to_json() const {
  nlohmann::json array = nlohmann::json::array();
  for (char32_t c : symbols_) array.push_back(encode_utf8(c));
  return array.dump();
}

Vocabulary Vocabulary::from_json(const std::string& json) {
  nlohmann::json array;
  try {
    array = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(fmt::format("vocabulary: not valid JSON: {}", e.what()));
  }
  if (!array.is_array()) throw ValueError("vocabulary: expected a JSON array of symbols");
  std::u32string symbols;
  for (std::size_t i = 0; i < array.size(); ++i) {
    if (!array[i].is_string())
      throw ValueError(fmt::format("vocabulary: entry {} is not a string", i));
    const auto cps = decode_utf8(array[i].get<std::string>());
    if (cps.size() != 1)
      throw ValueError(
          fmt::format("vocabulary: entry {} holds {} symbols, not one", i, cps.size()));
    symbols.push_back(cps[0]);
  }
  return Vocabulary(std::move(symbols));
}

}  // namespace unroll
