#include "models/classifier/config.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "framework/errors.hpp"
#include "framework/io/metadata.hpp"

namespace unroll::classifier {
namespace {

std::vector<std::string> parse_classes(const std::string& json) {
  const auto parsed = nlohmann::json::parse(json, nullptr, false);
  std::vector<std::string> classes;
  if (parsed.is_array())
    for (const auto& c : parsed)
      if (c.is_string()) classes.push_back(c.get<std::string>());
  if (!parsed.is_array() || classes.size() != parsed.size())
    throw ValueError(
        fmt::format("checkpoint metadata: 'classes' = '{}' is not a JSON array of strings", json));
  return classes;
}

}  // namespace

std::vector<std::int64_t> ClassifierConfig::encode(const std::u32string& text) const {
  std::vector<std::int64_t> ids;
  ids.reserve(text.size());
  for (char32_t s : text)
    ids.push_back(vocabulary.contains(s) ? vocabulary.id(s) : static_cast<std::int64_t>(unk_id()));
  return ids;
}

std::map<std::string, std::string> ClassifierConfig::to_metadata() const {
  return {{"program", "classify"},
          {"cell", cell},
          {"embed", std::to_string(embed)},
          {"hidden", std::to_string(hidden)},
          {"layers", std::to_string(layers)},
          {"bidirectional", bidirectional ? "true" : "false"},
          {"pooling", pooling_name(pooling)},
          {"classes", nlohmann::json(classes).dump()},
          {"vocab", vocabulary.to_json()}};
}

ClassifierConfig ClassifierConfig::from_metadata(const std::map<std::string, std::string>& m) {
  using namespace io;
  require_program(m, "classify");
  ClassifierConfig c;
  c.cell = required(m, "cell");
  c.embed = whole_number("embed", required(m, "embed"));
  c.hidden = whole_number("hidden", required(m, "hidden"));
  c.layers = whole_number("layers", required(m, "layers"));
  c.bidirectional = flag("bidirectional", required(m, "bidirectional"));
  c.pooling = parse_pooling(required(m, "pooling"));
  c.classes = parse_classes(required(m, "classes"));
  c.vocabulary = Vocabulary::from_json(required(m, "vocab"));
  c.validate();
  return c;
}

void ClassifierConfig::validate() const {
  if (cell != "lstm" && cell != "gru")
    throw ValueError(fmt::format("cell '{}' is not one of lstm, gru", cell));
  if (embed == 0) throw ValueError("embedding size must be at least 1");
  if (hidden == 0) throw ValueError("hidden size must be at least 1");
  if (layers == 0) throw ValueError("layers must be at least 1");
  if (classes.size() < 2)
    throw ValueError(fmt::format("a classifier needs at least 2 classes, not {}", classes.size()));
}

}  // namespace unroll::classifier
