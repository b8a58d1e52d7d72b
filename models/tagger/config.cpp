#include "models/tagger/config.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"
#include "framework/io/metadata.hpp"

namespace unroll::tagger {

std::vector<std::int64_t> TaggerConfig::encode(const std::u32string& text) const {
  std::vector<std::int64_t> ids;
  ids.reserve(text.size());
  for (char32_t s : text)
    ids.push_back(vocabulary.contains(s) ? vocabulary.id(s) : static_cast<std::int64_t>(unk_id()));
  return ids;
}

std::map<std::string, std::string> TaggerConfig::to_metadata() const {
  return {{"program", "tag"},
          {"cell", cell},
          {"embed", std::to_string(embed)},
          {"hidden", std::to_string(hidden)},
          {"layers", std::to_string(layers)},
          {"bidirectional", bidirectional ? "true" : "false"},
          {"vocab", vocabulary.to_json()}};
}

TaggerConfig TaggerConfig::from_metadata(const std::map<std::string, std::string>& m) {
  using namespace io;
  require_program(m, "tag");
  TaggerConfig c;
  c.cell = required(m, "cell");
  c.embed = whole_number("embed", required(m, "embed"));
  c.hidden = whole_number("hidden", required(m, "hidden"));
  c.layers = whole_number("layers", required(m, "layers"));
  c.bidirectional = flag("bidirectional", required(m, "bidirectional"));
  c.vocabulary = Vocabulary::from_json(required(m, "vocab"));
  c.validate();
  return c;
}

void TaggerConfig::validate() const {
  if (cell != "lstm" && cell != "gru")
    throw ValueError(fmt::format("cell '{}' is not one of lstm, gru", cell));
  if (embed == 0) throw ValueError("embedding size must be at least 1");
  if (hidden == 0) throw ValueError("hidden size must be at least 1");
  if (layers == 0) throw ValueError("layers must be at least 1");
}

}  // namespace unroll::tagger
