#include "models/translator/config.hpp"

#include <fmt/format.h>

#include <set>

#include "framework/errors.hpp"
#include "framework/io/metadata.hpp"
#include "models/tasks/dates.hpp"
#include "models/text/utf8.hpp"

namespace unroll::translator {

Seq2SeqConfig TranslatorConfig::seq2seq() const {
  Seq2SeqConfig c;
  c.source_vocab = source.size();
  c.target_vocab = static_cast<std::size_t>(kFirstSymbol) + target.size();
  c.embed = embed, c.hidden = hidden, c.layers = layers, c.bidirectional = bidirectional;
  if (attention == "none")
    c.attention = std::nullopt;
  else if (attention == "dot")
    c.attention = AttentionScore::Dot;
  else if (attention == "general")
    c.attention = AttentionScore::General;
  else if (attention == "additive")
    c.attention = AttentionScore::Additive;
  else
    throw ValueError(
        fmt::format("attention '{}' is not one of none, dot, general, additive", attention));
  c.validate();
  return c;
}

std::vector<std::int64_t> TranslatorConfig::encode_source(const std::u32string& text) const {
  return source.encode(text, "the date");
}

std::vector<std::int64_t> TranslatorConfig::encode_target(const std::string& iso) const {
  auto ids = target.encode(decode_utf8(iso), "the ISO date");
  for (auto& id : ids) id += kFirstSymbol;
  return ids;
}

std::string TranslatorConfig::decode_target(const std::vector<std::int64_t>& ids) const {
  std::vector<std::int64_t> symbols;
  for (std::int64_t id : ids) {
    if (id == kEnd) break;
    if (id >= kFirstSymbol) symbols.push_back(id - kFirstSymbol);
  }
  return target.decode(symbols);
}

std::map<std::string, std::string> TranslatorConfig::to_metadata() const {
  return {{"program", "translate"},
          {"embed", std::to_string(embed)},
          {"hidden", std::to_string(hidden)},
          {"layers", std::to_string(layers)},
          {"bidirectional", bidirectional ? "true" : "false"},
          {"attention", attention},
          {"source_vocab", source.to_json()},
          {"target_vocab", target.to_json()}};
}

TranslatorConfig TranslatorConfig::from_metadata(const std::map<std::string, std::string>& m) {
  using namespace io;
  require_program(m, "translate");
  TranslatorConfig c;
  c.embed = whole_number("embed", required(m, "embed"));
  c.hidden = whole_number("hidden", required(m, "hidden"));
  c.layers = whole_number("layers", required(m, "layers"));
  c.bidirectional = flag("bidirectional", required(m, "bidirectional"));
  c.attention = required(m, "attention");
  c.source = Vocabulary::from_json(required(m, "source_vocab"));
  c.target = Vocabulary::from_json(required(m, "target_vocab"));
  c.seq2seq();  // validates
  return c;
}

Vocabulary source_symbols() {
  std::u32string all;
  for (int month = 1; month <= 12; ++month)
    for (int day = 1; day <= 31; day += 1)
      if (day <= tasks::days_in_month(2021, month))
        for (std::size_t f = 0; f < tasks::date_formats().size(); ++f)
          all += decode_utf8(tasks::format_date({2021, month, day}, f));
  return Vocabulary::from_text(all);
}

}  // namespace unroll::translator
