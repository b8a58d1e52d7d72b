// The hidden-state page: the page's data checked, quantised and written as one JSON object into
// the template (cells_page/page.html, with page.css and page.js inline).
//
// The JSON the script reads (T characters, H_s cells in series s):
//   title, text                       strings (the text as UTF-8; the script splits code points)
//   series[s]   {name, cells: H_s, values: base64 of int8 [T, H_s] row-major, q = round(127·v)}
//   features[f] {name, measure, scores: [series][cell], null for an unscored (NaN) cell}
//   gates[g]    {layer, gate, left: [cell], right: [cell]}
//   next        {symbols: a string of 5·T code points, per_mille: 5·T integers round(1000·p)}
#include "examples/charlm/cells_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <utility>

#include "examples/charlm/cells_page/assets.hpp"
#include "framework/errors.hpp"
#include "framework/io/atomic_file.hpp"
#include "models/text/utf8.hpp"

namespace unroll::charlm {
namespace {

constexpr const char* kWho = "write_cells_page";

bool is_scalar_value(char32_t c) { return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF); }

void check_text(const std::u32string& text) {
  if (text.empty()) throw ValueError(fmt::format("{}: the text is empty", kWho));
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!is_scalar_value(text[i]))
      throw ValueError(fmt::format("{}: text[{}] is U+{:X}, not a Unicode scalar value", kWho, i,
                                   static_cast<std::uint32_t>(text[i])));
}

void check_series(const CellsPage& page) {
  if (page.series.empty()) throw ValueError(fmt::format("{}: the page has no series", kWho));
  std::set<std::string> names;
  for (const auto& s : page.series) {
    if (s.name.empty()) throw ValueError(fmt::format("{}: a series has no name", kWho));
    if (!names.insert(s.name).second)
      throw ValueError(fmt::format("{}: two series are named '{}'", kWho, s.name));
    const auto steps = s.values.shape(0), cells = s.values.shape(1);
    if (steps != page.text.size())
      throw ValueError(fmt::format("{}: series '{}' has {} steps, the text {} characters", kWho,
                                   s.name, steps, page.text.size()));
    if (cells == 0) throw ValueError(fmt::format("{}: series '{}' has no cells", kWho, s.name));
    for (std::size_t t = 0; t < steps; ++t)
      for (std::size_t k = 0; k < cells; ++k)
        if (!std::isfinite(s.values(t, k)))
          throw ValueError(fmt::format("{}: series '{}' is {} at step {}, cell {}", kWho, s.name,
                                       s.values(t, k), t, k));
  }
}

void check_features(const CellsPage& page) {
  std::set<std::string> names;
  for (const auto& f : page.features) {
    if (f.name.empty()) throw ValueError(fmt::format("{}: a feature has no name", kWho));
    if (!names.insert(f.name).second)
      throw ValueError(fmt::format("{}: two features are named '{}'", kWho, f.name));
    if (f.scores.size() != page.series.size())
      throw ValueError(fmt::format("{}: feature '{}' has scores for {} series, the page has {}",
                                   kWho, f.name, f.scores.size(), page.series.size()));
    for (std::size_t s = 0; s < f.scores.size(); ++s) {
      const auto& series = page.series[s];
      if (f.scores[s].size() != series.values.shape(1))
        throw ValueError(
            fmt::format("{}: feature '{}' scores {} cells of series '{}', which has {}", kWho,
                        f.name, f.scores[s].size(), series.name, series.values.shape(1)));
      for (std::size_t k = 0; k < f.scores[s].size(); ++k)
        if (std::isinf(f.scores[s][k]))
          throw ValueError(fmt::format("{}: feature '{}' scores cell {} of series '{}' {}", kWho,
                                       f.name, k, series.name, f.scores[s][k]));
    }
  }
}

void check_gates(const CellsPage& page) {
  std::set<std::pair<std::size_t, std::string>> seen;
  for (const auto& g : page.gates) {
    const auto what = fmt::format("gate '{}' of layer {}", g.gate, g.layer);
    if (g.gate.empty())
      throw ValueError(fmt::format("{}: a gate of layer {} has no name", kWho, g.layer));
    if (!seen.insert({g.layer, g.gate}).second)
      throw ValueError(fmt::format("{}: {} is given twice", kWho, what));
    if (g.left.empty() || g.left.size() != g.right.size())
      throw ValueError(fmt::format("{}: {} has {} left and {} right fractions", kWho, what,
                                   g.left.size(), g.right.size()));
    for (const auto& other : page.gates)
      if (other.layer == g.layer && other.left.size() != g.left.size())
        throw ValueError(fmt::format("{}: {} has {} cells, gate '{}' of the same layer {}", kWho,
                                     what, g.left.size(), other.gate, other.left.size()));
    // Steps below 0.1 and steps above 0.9 are disjoint: each fraction and their sum lie in [0, 1].
    for (std::size_t k = 0; k < g.left.size(); ++k) {
      const double l = g.left[k], r = g.right[k];
      if (!(l >= 0 && r >= 0 && l + r <= 1 + 1e-6))
        throw ValueError(
            fmt::format("{}: {}, cell {}: fractions {} (< 0.1) and {} (> 0.9) are "
                        "not two disjoint parts of the steps",
                        kWho, what, k, l, r));
    }
  }
}

void check_next(const CellsPage& page) {
  if (page.next.size() != page.text.size())
    throw ValueError(fmt::format("{}: {} next-symbol predictions for {} characters", kWho,
                                 page.next.size(), page.text.size()));
  for (std::size_t t = 0; t < page.next.size(); ++t) {
    const auto& n = page.next[t];
    float sum = 0;
    for (std::size_t j = 0; j < n.symbols.size(); ++j) {
      const float p = n.probabilities[j];
      if (!is_scalar_value(n.symbols[j]))
        throw ValueError(
            fmt::format("{}: next symbol {} after step {} is U+{:X}, not a Unicode "
                        "scalar value",
                        kWho, j, t, static_cast<std::uint32_t>(n.symbols[j])));
      if (!(p >= 0 && p <= 1))
        throw ValueError(
            fmt::format("{}: next-symbol probability {} after step {} is {}", kWho, j, t, p));
      if (j > 0 && p > n.probabilities[j - 1])
        throw ValueError(
            fmt::format("{}: next symbols after step {} are not most likely first "
                        "({} then {})",
                        kWho, t, n.probabilities[j - 1], p));
      sum += p;
    }
    if (sum > 1 + 1e-3f)
      throw ValueError(
          fmt::format("{}: next-symbol probabilities after step {} sum to {}", kWho, t, sum));
  }
}

// RFC 4648 base64 with padding (what the script's atob reads).
std::string base64(const std::vector<std::int8_t>& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = 0;
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    for (std::size_t j = 0; j < 3; ++j)
      chunk = chunk << 8 | (j < n ? static_cast<std::uint8_t>(bytes[i + j]) : 0u);
    for (std::size_t j = 0; j < 4; ++j)
      out += j <= n ? kAlphabet[chunk >> (18 - 6 * j) & 0x3F] : '=';
  }
  return out;
}

// q = round(127 · clamp(v, −1, 1)), row-major [T, H].
std::vector<std::int8_t> quantise(const xt::xtensor<float, 2>& values) {
  std::vector<std::int8_t> q(values.size());
  std::transform(values.begin(), values.end(), q.begin(), [](float v) {
    return static_cast<std::int8_t>(std::lround(127.0f * std::clamp(v, -1.0f, 1.0f)));
  });
  return q;
}

nlohmann::json page_json(const CellsPage& page) {
  nlohmann::json series = nlohmann::json::array();
  for (const auto& s : page.series)
    series.push_back(
        {{"name", s.name}, {"cells", s.values.shape(1)}, {"values", base64(quantise(s.values))}});
  nlohmann::json features = nlohmann::json::array();
  for (const auto& f : page.features) {
    nlohmann::json scores = nlohmann::json::array();
    for (const auto& per_series : f.scores) {
      nlohmann::json row = nlohmann::json::array();
      for (double v : per_series)
        row.push_back(std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v));
      scores.push_back(std::move(row));
    }
    features.push_back({{"name", f.name}, {"measure", f.measure}, {"scores", std::move(scores)}});
  }
  nlohmann::json gates = nlohmann::json::array();
  for (const auto& g : page.gates)
    gates.push_back({{"layer", g.layer}, {"gate", g.gate}, {"left", g.left}, {"right", g.right}});
  std::u32string symbols;
  std::vector<int> per_mille;
  for (const auto& n : page.next)
    for (std::size_t j = 0; j < n.symbols.size(); ++j) {
      symbols += n.symbols[j];
      per_mille.push_back(static_cast<int>(std::lround(1000.0f * n.probabilities[j])));
    }
  return {{"title", page.title},
          {"text", encode_utf8(page.text)},
          {"series", std::move(series)},
          {"features", std::move(features)},
          {"gates", std::move(gates)},
          {"next", {{"symbols", encode_utf8(symbols)}, {"per_mille", std::move(per_mille)}}}};
}

// JSON that can sit inside <script>: every '<' (only ever inside a string) as \u003c, so neither
// "</script>" nor "<!--" in the text can end or change the element.
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

// The template with each @NAME@ slot replaced once, in one pass over the template alone (so a slot
// name inside the data is never replaced).
std::string fill(std::string_view templ,
                 const std::vector<std::pair<std::string, std::string>>& slots) {
  std::string out;
  std::size_t at = 0;
  for (const auto& [name, value] : slots) {
    const auto found = templ.find(name, at);
    if (found == std::string_view::npos)
      throw std::logic_error(
          fmt::format("{}: the page template has no slot {} after offset {}", kWho, name, at));
    out.append(templ.substr(at, found - at));
    out += value;
    at = found + name.size();
  }
  out.append(templ.substr(at));
  return out;
}

}  // namespace

void write_cells_page(const CellsPage& page, const std::string& path) {
  check_text(page.text);
  check_series(page);
  check_features(page);
  check_gates(page);
  check_next(page);
  const std::string html =
      fill(cells_page_assets::kHtml, {{"@CSS@", std::string(cells_page_assets::kCss)},
                                      {"@DATA@", script_safe(page_json(page).dump())},
                                      {"@JS@", std::string(cells_page_assets::kJs)}});
  io::write_file_atomically(path, html, kWho);
}

}  // namespace unroll::charlm
