#include "models/char_lm/cell_scores.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "framework/errors.hpp"
#include "framework/parallel.hpp"

namespace unroll {
namespace {

void same_size(std::size_t a, std::size_t b, const char* who) {
  if (a != b) throw ValueError(fmt::format("{}: {} values against {}", who, a, b));
}

// Σ (a − ā)(b − b̄) / √(Σ (a − ā)² Σ (b − b̄)²); 0 when either side is constant.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double n = static_cast<double>(a.size());
  const double mean_a = std::accumulate(a.begin(), a.end(), 0.0) / n;
  const double mean_b = std::accumulate(b.begin(), b.end(), 0.0) / n;
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double da = a[i] - mean_a, db = b[i] - mean_b;
    ab += da * db, aa += da * da, bb += db * db;
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

// The AUC from the ranks of the scores and the labels (see the header).
double auc_from_ranks(const std::vector<double>& ranks, const std::vector<double>& labels,
                      double positives) {
  double rank_sum = 0;
  for (std::size_t i = 0; i < ranks.size(); ++i)
    if (labels[i] != 0.0) rank_sum += ranks[i];
  const double negatives = static_cast<double>(ranks.size()) - positives;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

bool constant(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [&](double x) { return x == v.front(); });
}

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double roc_auc(const std::vector<double>& scores, const std::vector<double>& labels) {
  same_size(scores.size(), labels.size(), "roc auc");
  const auto positives = static_cast<double>(
      std::count_if(labels.begin(), labels.end(), [](double l) { return l != 0.0; }));
  if (positives == 0 || positives == static_cast<double>(labels.size()))
    throw ValueError(fmt::format("roc auc: {} of {} labels are positive; both classes are needed",
                                 positives, labels.size()));
  return auc_from_ranks(average_ranks(scores), labels, positives);
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
  same_size(a.size(), b.size(), "pearson");
  return a.empty() ? 0.0 : correlation(a, b);
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  same_size(a.size(), b.size(), "spearman");
  return a.empty() ? 0.0 : correlation(average_ranks(a), average_ranks(b));
}

std::vector<CellScore> FeatureScores::top(std::size_t n) const {
  std::vector<CellScore> all;
  for (const auto& s : cells) all.insert(all.end(), s.begin(), s.end());
  const std::size_t keep = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    [](const CellScore& a, const CellScore& b) { return a.score > b.score; });
  all.resize(keep);
  return all;
}

std::string FeatureScores::measure() const {
  return kind == FeatureKind::Binary ? "ROC AUC" : "|Spearman|";
}

std::vector<FeatureScores> score_cells(const std::vector<const xt::xtensor<float, 2>*>& series,
                                       const std::vector<TextFeature>& features) {
  std::vector<FeatureScores> out;
  std::vector<double> positives;            // per binary feature
  std::vector<std::vector<double>> ranked;  // per numeric feature: its average ranks
  for (const auto& f : features) {
    FeatureScores scores{f.name, f.kind, !constant(f.values), {}};
    for (const auto* s : series) {
      same_size(s->shape()[0], f.values.size(), "score cells: steps against feature values");
      scores.cells.emplace_back(s->shape()[1]);
    }
    out.push_back(std::move(scores));
    positives.push_back(static_cast<double>(
        std::count_if(f.values.begin(), f.values.end(), [](double v) { return v != 0.0; })));
    ranked.push_back(f.kind == FeatureKind::Numeric ? average_ranks(f.values)
                                                    : std::vector<double>{});
  }
  for (std::size_t s = 0; s < series.size(); ++s) {
    const auto& values = *series[s];
    const std::size_t steps = values.shape()[0], width = values.shape()[1];
    // One cell per row of the loop: the threads split the cells (each sorts T values).
    parallel_rows(width, width * steps * 64, 1, [&](std::size_t k) {
      std::vector<double> column(steps);
      for (std::size_t t = 0; t < steps; ++t) column[t] = values(t, k);
      const std::vector<double> ranks = average_ranks(column);
      for (std::size_t f = 0; f < features.size(); ++f) {
        CellScore& c = out[f].cells[s][k];
        c.series = s, c.cell = k;
        if (!out[f].present) continue;
        c.raw = features[f].kind == FeatureKind::Binary
                    ? auc_from_ranks(ranks, features[f].values, positives[f])
                    : correlation(ranks, ranked[f]);
        const double flipped = features[f].kind == FeatureKind::Binary ? 1 - c.raw : -c.raw;
        c.inverted = flipped > c.raw;
        c.score = std::max(c.raw, flipped);
      }
    });
  }
  return out;
}

Saturation gate_saturation(const xt::xtensor<float, 2>& gate, double low, double high) {
  const std::size_t steps = gate.shape()[0], width = gate.shape()[1];
  Saturation s{std::vector<double>(width, 0.0), std::vector<double>(width, 0.0)};
  for (std::size_t t = 0; t < steps; ++t)
    for (std::size_t k = 0; k < width; ++k) {
      s.left[k] += gate(t, k) < low ? 1 : 0;
      s.right[k] += gate(t, k) > high ? 1 : 0;
    }
  for (std::size_t k = 0; k < width; ++k) {
    s.left[k] /= static_cast<double>(std::max<std::size_t>(steps, 1));
    s.right[k] /= static_cast<double>(std::max<std::size_t>(steps, 1));
  }
  return s;
}

}  // namespace unroll
