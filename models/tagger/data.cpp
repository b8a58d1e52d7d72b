#include "models/tagger/data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "framework/errors.hpp"
#include "models/classifier/text_classes.hpp"
#include "models/text/utf8.hpp"

namespace unroll::tagger {
namespace {

constexpr std::size_t kRound = 32;

std::vector<TaggedText> tagged(const std::vector<classifier::ClassText>& texts) {
  std::vector<TaggedText> out;
  for (const auto& f : texts.at(0).files) out.push_back(tag_text(f));
  return out;
}

}  // namespace

TaggedText tag_text(const std::u32string& text) {
  const std::string bytes = encode_utf8(text);
  const std::vector<tasks::CppTag> byte_tags = tasks::tag_cpp(bytes);
  TaggedText out{text, {}};
  out.tags.reserve(text.size());
  std::size_t at = 0;
  for (char32_t s : text) {
    out.tags.push_back(byte_tags[at]);
    at += encode_utf8(s).size();
  }
  return out;
}

TaggedFiles load_tagged_files(const std::string& root, std::uint64_t seed, double held_out_fraction,
                              std::size_t train_bytes, std::size_t held_out_bytes) {
  if (!std::filesystem::is_directory(root))
    throw ValueError(fmt::format("--root '{}' is not a folder", root));
  const auto found = classifier::discover_classes({{"cpp", classifier::cpp_sources(root)}});
  const auto split = classifier::split_by_file(found, held_out_fraction, seed);
  TaggedFiles out;
  out.train = tagged(classifier::load_texts(split, false, train_bytes));
  out.held_out = tagged(classifier::load_texts(split, true, held_out_bytes));
  out.train_files = split[0].train.size();
  out.held_out_files = split[0].held_out.size();
  return out;
}

Vocabulary frequent_symbols(const std::vector<TaggedText>& texts, std::size_t min_count) {
  std::map<char32_t, std::size_t> counts;
  for (const TaggedText& f : texts)
    for (char32_t s : f.text) ++counts[s];
  std::u32string symbols;
  for (const auto& [symbol, count] : counts)
    if (count >= min_count) symbols += symbol;
  if (symbols.empty())
    throw ValueError(fmt::format("frequent_symbols: no symbol occurs {} times", min_count));
  return Vocabulary(symbols);
}

WindowBatch make_batch(const std::vector<std::u32string>& pieces,
                       const std::vector<std::vector<tasks::CppTag>>& tags,
                       const TaggerConfig& config) {
  if (pieces.empty()) throw ValueError("make_batch: no pieces");
  std::size_t steps = 0;
  for (std::size_t b = 0; b < pieces.size(); ++b) {
    if (pieces[b].empty()) throw ValueError(fmt::format("make_batch: piece {} is empty", b));
    steps = std::max(steps, pieces[b].size());
  }
  steps = (steps + kRound - 1) / kRound * kRound;
  WindowBatch batch;
  batch.ids = IndexArray::from_shape({pieces.size(), steps});
  batch.ids.fill(0);
  batch.tags = IndexArray::from_shape({pieces.size(), steps});
  batch.tags.fill(0);
  for (std::size_t b = 0; b < pieces.size(); ++b) {
    const auto ids = config.encode(pieces[b]);
    std::copy(ids.begin(), ids.end(), batch.ids.data() + b * steps);
    for (std::size_t t = 0; t < tags[b].size(); ++t)
      batch.tags(b, t) = static_cast<std::int64_t>(tags[b][t]);
    batch.lengths.push_back(ids.size());
  }
  return batch;
}

WindowBatch draw_windows(const std::vector<TaggedText>& files, const TaggerConfig& config,
                         std::size_t batch, std::size_t window, std::mt19937_64& rng) {
  std::size_t total = 0;
  for (const auto& f : files) total += f.text.size();
  if (total == 0 || window == 0) throw ValueError("draw_windows: no text or an empty window");
  std::vector<std::u32string> pieces;
  std::vector<std::vector<tasks::CppTag>> tags;
  for (std::size_t b = 0; b < batch; ++b) {
    std::size_t target = std::uniform_int_distribution<std::size_t>(0, total - 1)(rng);
    std::size_t f = 0;
    while (target >= files[f].text.size()) target -= files[f++].text.size();
    const TaggedText& file = files[f];
    const std::size_t length = std::min(window, file.text.size());
    const std::size_t start =
        std::uniform_int_distribution<std::size_t>(0, file.text.size() - length)(rng);
    pieces.push_back(file.text.substr(start, length));
    tags.emplace_back(file.tags.begin() + static_cast<std::ptrdiff_t>(start),
                      file.tags.begin() + static_cast<std::ptrdiff_t>(start + length));
  }
  return make_batch(pieces, tags, config);
}

}  // namespace unroll::tagger
