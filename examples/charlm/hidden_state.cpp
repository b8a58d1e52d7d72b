#include "examples/charlm/hidden_state.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <xtensor/xmath.hpp>
#include <xtensor/xview.hpp>

#include "examples/charlm/cells_page.hpp"
#include "examples/charlm/default_corpus.hpp"
#include "examples/common/output_folder.hpp"
#include "layers/checkpoint.hpp"
#include "models/char_lm/cell_scores.hpp"
#include "models/char_lm/clamp.hpp"
#include "models/char_lm/record.hpp"
#include "models/text/corpus.hpp"
#include "models/text/features.hpp"
#include "models/text/utf8.hpp"

namespace unroll::charlm {
namespace {

// The text's first `limit` characters, and their ids in the checkpoint's vocabulary (IndexError
// naming the first symbol the model does not know). No path: the embedded corpus's validation
// part (its last 10 %, which `charlm train` without --data does not train on).
struct Text {
  std::u32string chars;
  std::vector<std::int64_t> ids;
  std::size_t full_size = 0;
};
Text read_limited(const CharLM<float>& model, const std::string& path, std::size_t limit,
                  const char* command) {
  Text t;
  t.chars = path.empty() ? split_corpus(decode_utf8(default_corpus()), 0.1).validation
                         : read_text_file(path);
  t.full_size = t.chars.size();
  const std::string name = path.empty() ? "the embedded corpus" : path;
  if (t.chars.empty()) throw ValueError(fmt::format("{}: {} is empty", command, name));
  if (t.chars.size() > limit) t.chars.resize(limit);
  t.ids = model.config().vocabulary.encode(
      t.chars, fmt::format("{}: {} (the checkpoint's vocabulary)", command, name));
  return t;
}

// Records with a live progress line on a terminal, then one summary line.
Recording record_with_progress(CharLM<float>& model, const Text& text, RecordOptions options) {
  const bool live = isatty(fileno(stderr));
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  options.progress = [&](std::size_t done, std::size_t total) {
    if (live)
      fmt::print(stderr, "\rrecording: {} of {} characters, {:.0f} per second", done, total,
                 static_cast<double>(done) / std::max(seconds(), 1e-9));
  };
  Recording rec = record_states(model, text.ids, options);
  if (live) fmt::print(stderr, "\r\033[K");
  fmt::print("recorded {} of the text's {} characters in {:.1f} s ({:.0f} per second){}\n",
             text.ids.size(), text.full_size, seconds(),
             static_cast<double>(text.ids.size()) / std::max(seconds(), 1e-9),
             text.ids.size() < text.full_size ? " (--limit)" : "");
  if (!rec.no_gates.empty()) fmt::print("gates: {}\n", rec.no_gates);
  return rec;
}

// "1:17" for layer 1's h, "1:17:c" for its c: the names --clamp reads.
std::string cell_name(const RecordedSeries& s, std::size_t cell) {
  return fmt::format("{}:{}{}", s.layer, cell, s.part == "h" ? "" : ":" + s.part);
}

// The series scored: every recorded layer's h and c (the gates are summarised by saturation).
std::vector<const RecordedSeries*> scored_series(const Recording& rec) {
  std::vector<const RecordedSeries*> out;
  for (const auto& s : rec.series)
    if (s.part == "h" || s.part == "c") out.push_back(&s);
  return out;
}

void print_scores(const std::vector<FeatureScores>& scores,
                  const std::vector<const RecordedSeries*>& series, std::size_t top) {
  fmt::print("\n{:<22} {:<11} best cells (LAYER:CELL, :c for the cell state; * off inside)\n",
             "feature", "measure");
  for (const auto& f : scores) {
    std::string cells;
    if (!f.present) {
      cells = "(constant over this text)";
    } else {
      for (const CellScore& c : f.top(top))
        cells += fmt::format("{}{} {:.3f}{}", cells.empty() ? "" : "  ",
                             cell_name(*series[c.series], c.cell), c.score, c.inverted ? "*" : "");
    }
    fmt::print("{:<22} {:<11} {}\n", f.feature, f.measure(), cells);
  }
}

std::vector<PageGate> print_saturation(const Recording& rec) {
  std::vector<PageGate> gates;
  for (const auto& s : rec.series) {
    if (s.part == "h" || s.part == "c" || s.part == "g" || s.part == "n") continue;  // not σ
    const Saturation sat = gate_saturation(s.values);
    gates.push_back({s.layer, s.part, sat.left, sat.right});
  }
  if (gates.empty()) return gates;
  fmt::print(
      "\ngate saturation: mean fraction of steps < 0.1 (left) and > 0.9 (right) over a layer's "
      "cells; cells saturated more than half the time\n");
  for (const auto& g : gates) {
    auto mean = [](const std::vector<double>& v) {
      double sum = 0;
      for (double x : v) sum += x;
      return sum / static_cast<double>(v.size());
    };
    auto over_half = [](const std::vector<double>& v) {
      return std::count_if(v.begin(), v.end(), [](double x) { return x > 0.5; });
    };
    fmt::print("  layer {} gate {}: left {:.3f}  right {:.3f}   ({} left, {} right of {})\n",
               g.layer, g.gate, mean(g.left), mean(g.right), over_half(g.left), over_half(g.right),
               g.left.size());
  }
  return gates;
}

// The page of the first `chars` characters (see cells_page.hpp).
CellsPage make_page(const std::string& title, const Text& text, const Recording& rec,
                    const std::vector<const RecordedSeries*>& series,
                    const std::vector<FeatureScores>& scores, std::vector<PageGate> gates,
                    std::size_t chars, const Vocabulary& vocab) {
  CellsPage page;
  const std::size_t n = std::min(chars, text.chars.size());
  page.title = title;
  page.text = text.chars.substr(0, n);
  for (const auto* s : series) {
    PageSeries p;
    p.name = fmt::format("layer {} {}", s->layer, s->part == "c" ? "tanh(c)" : s->part);
    p.values = xt::view(s->values, xt::range(0, n), xt::all());
    if (s->part == "c") p.values = xt::tanh(p.values);
    page.series.push_back(std::move(p));
  }
  for (const auto& f : scores) {
    if (!f.present) continue;
    PageFeature pf{f.feature, f.measure(), {}};
    for (const auto& per_series : f.cells) {
      std::vector<double> v;
      for (const auto& c : per_series) v.push_back(c.score);
      pf.scores.push_back(std::move(v));
    }
    page.features.push_back(std::move(pf));
  }
  page.gates = std::move(gates);
  const std::size_t v = vocab.size();
  for (std::size_t t = 0; t < n; ++t) {
    std::vector<std::size_t> order(v);
    for (std::size_t i = 0; i < v; ++i) order[i] = i;
    const float* logits = &rec.logits(t, 0);
    const float top = *std::max_element(logits, logits + v);
    double z = 0;
    for (std::size_t i = 0; i < v; ++i) z += std::exp(static_cast<double>(logits[i] - top));
    const std::size_t k = std::min<std::size_t>(5, v);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](std::size_t a, std::size_t b) { return logits[a] > logits[b]; });
    PageNext next;
    for (std::size_t i = 0; i < k; ++i) {
      next.symbols[i] = vocab.symbol(static_cast<std::int64_t>(order[i]));
      next.probabilities[i] =
          static_cast<float>(std::exp(static_cast<double>(logits[order[i]] - top)) / z);
    }
    page.next.push_back(next);
  }
  return page;
}

// The fraction of generated characters (after the prime) where `feature` is 1.
double fraction_inside(const std::string& prime, const std::string& generated,
                       std::vector<double> (*feature)(const std::u32string&)) {
  const std::u32string p = decode_utf8(prime), all = decode_utf8(prime + generated);
  const std::vector<double> values = feature(all);
  double inside = 0;
  for (std::size_t t = p.size(); t < values.size(); ++t) inside += values[t];
  return values.size() > p.size() ? inside / static_cast<double>(values.size() - p.size()) : 0.0;
}

// --intervene: the best cell of each feature held at its recorded extremes while sampling.
void intervene(CharLM<float>& model, const std::u32string& text,
               const std::vector<const RecordedSeries*>& series,
               const std::vector<FeatureScores>& scores, const CellsArgs& args) {
  struct Target {
    const char* name;
    std::vector<double> (*feature)(const std::u32string&);
  };
  const Target targets[] = {{"double-quoted string", double_quoted_string},
                            {"comment", inside_comment}};
  const std::string prime = model.config().vocabulary.contains(U'\n') ? "\n" : "";
  fmt::print(
      "\nintervention: the best cell of a feature held, after every character, at its median value "
      "inside the feature and outside it in the text above; {} samples of {} characters each "
      "(seeds 1 to {}, temperature 1, the same for every setting)\n",
      args.samples, args.length, args.samples);
  for (const Target& target : targets) {
    const auto found = std::find_if(scores.begin(), scores.end(), [&](const FeatureScores& f) {
      return f.feature == target.name;
    });
    if (found == scores.end() || !found->present) continue;
    const CellScore best = found->top(1).at(0);
    const RecordedSeries& s = *series[best.series];
    // The cell's median value where the text is inside the feature, and where it is outside.
    const std::vector<double> inside = target.feature(text);
    std::vector<double> in_values, out_values;
    for (std::size_t t = 0; t < inside.size(); ++t)
      (inside[t] != 0.0 ? in_values : out_values).push_back(s.values(t, best.cell));
    auto median = [](std::vector<double> v) {
      std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
      return v[v.size() / 2];
    };
    const double inside_value = median(in_values), outside_value = median(out_values);
    fmt::print("  {} — cell {} ({} {:.3f}{})\n", target.name, cell_name(s, best.cell),
               found->measure(), best.score, best.inverted ? ", off inside" : "");
    auto measure = [&](std::vector<CellClamp> clamps) {
      const GenerationHook<float> hook =
          clamps.empty() ? GenerationHook<float>{} : clamping_hook(std::move(clamps));
      double sum = 0;
      for (std::size_t seed = 1; seed <= args.samples; ++seed) {
        SampleOptions o{.prime = prime, .length = args.length, .temperature = 1.0, .seed = seed};
        sum += fraction_inside(prime, sample(model, o, {}, hook), target.feature);
      }
      return 100.0 * sum / static_cast<double>(args.samples);
    };
    const std::size_t part = s.part == "c" ? 1 : 0;
    const std::string free = "free";
    const std::string on = fmt::format("held at {:.3f} (its median inside)", inside_value);
    const std::string off = fmt::format("held at {:.3f} (its median outside)", outside_value);
    const std::size_t width = std::max(on.size(), off.size());
    fmt::print("    {:<{}}  {:5.1f} % of generated characters inside\n", free, width, measure({}));
    fmt::print("    {:<{}}  {:5.1f} %\n", on, width,
               measure({CellClamp{s.layer, best.cell, part, inside_value}}));
    fmt::print("    {:<{}}  {:5.1f} %\n", off, width,
               measure({CellClamp{s.layer, best.cell, part, outside_value}}));
  }
}

}  // namespace

int states_command(const std::string& ckpt, const std::string& data, const StatesArgs& args,
                   ThreadTuner* threads) {
  cli::check_output_folder(args.out);
  auto model = load_checkpoint<CharLM<float>>(ckpt, "charlm");
  const Text text = read_limited(*model, data, args.limit, "states");
  RecordOptions options;
  options.layers = args.layers;
  options.gates = !args.no_gates;
  options.logits = args.logits;
  options.threads = threads;
  const Recording rec = record_with_progress(*model, text, options);
  const CharLMConfig& c = model->config();
  write_recording(args.out, rec, text.chars,
                  {{"program", "charlm states"},
                   {"checkpoint", ckpt},
                   {"data", data},
                   {"cell", c.cell},
                   {"layers", std::to_string(c.layers)},
                   {"hidden", std::to_string(c.hidden)},
                   {"vocab", c.vocabulary.to_json()}});
  std::size_t bytes = 0;
  for (const auto& s : rec.series) bytes += s.values.size() * sizeof(float);
  bytes += rec.logits.size() * sizeof(float);
  fmt::print("wrote {} tensors ({:.1f} MB) to {}\n", rec.series.size() + (args.logits ? 1 : 0),
             static_cast<double>(bytes) / 1e6, args.out);
  return 0;
}

// ValueError naming the first non-finite value of a recorded series: ranks of NaN mean nothing
// (and would break the sort).
void require_finite(const RecordedSeries& s, const Text& text) {
  const auto bad =
      std::find_if(s.values.begin(), s.values.end(), [](float v) { return !std::isfinite(v); });
  if (bad == s.values.end()) return;
  const auto at = static_cast<std::size_t>(bad - s.values.begin());
  const std::size_t width = s.values.shape()[1];
  throw ValueError(fmt::format(
      "cells: layer {}'s {} is {} at character {} (cell {}) of {}: the model gives non-finite "
      "states on this text (has its training diverged?)",
      s.layer, s.part, *bad, at / width, at % width, text.chars.size()));
}

int cells_command(const std::string& ckpt, const std::string& data, const CellsArgs& args,
                  ThreadTuner* threads) {
  if (!args.html.empty()) cli::check_output_folder(args.html);
  auto model = load_checkpoint<CharLM<float>>(ckpt, "charlm");
  const Text text = read_limited(*model, data, args.limit, "cells");
  RecordOptions options;
  options.layers = args.layers;
  options.logits = !args.html.empty();
  options.threads = threads;
  const Recording rec = record_with_progress(*model, text, options);
  const std::vector<const RecordedSeries*> series = scored_series(rec);
  std::vector<const xt::xtensor<float, 2>*> values;
  for (const auto* s : series) {
    require_finite(*s, text);
    values.push_back(&s->values);
  }
  const std::vector<FeatureScores> scores = score_cells(values, text_features(text.chars));
  print_scores(scores, series, args.top);
  std::vector<PageGate> gates = print_saturation(rec);
  if (!args.html.empty()) {
    const CharLMConfig& c = model->config();
    const std::string title =
        fmt::format("{} on {} — {} {}×{}, first {} characters", ckpt,
                    data.empty() ? "the embedded corpus" : data, c.cell, c.layers, c.hidden,
                    std::min(args.html_chars, text.chars.size()));
    write_cells_page(make_page(title, text, rec, series, scores, std::move(gates), args.html_chars,
                               c.vocabulary),
                     args.html);
    fmt::print("\nwrote {}\n", args.html);
  }
  if (args.intervene) intervene(*model, text.chars, series, scores, args);
  return 0;
}

}  // namespace unroll::charlm
