// Scoring every recorded cell against every feature of the text (models/text/features.hpp), and
// the gate-saturation statistics of Karpathy, Johnson & Fei-Fei (2015).
//
//   binary feature   ROC AUC of the cell's activation as a detector of the feature, by the
//                    Mann–Whitney rank sum: AUC = (Σ_{t: f_t = 1} rank_t − P(P + 1)/2) / (P·N),
//                    ties at their average rank. A cell that is *off* inside (AUC < 0.5) detects
//                    it as well as one that is on: score = max(AUC, 1 − AUC), and `inverted`.
//   numeric feature  Spearman's ρ (Pearson's r of the average ranks); score = |ρ|.
// A feature that is constant over the text (no strings in a play) has no score: absent.
#pragma once

#include <string>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "models/text/features.hpp"

namespace unroll {

// Average ranks (1 … n, ties sharing their mean rank) of `values`.
std::vector<double> average_ranks(const std::vector<double>& values);
// ROC AUC of `scores` separating labels 1 from 0 (see the top); ValueError when the sizes
// differ or either class is empty.
double roc_auc(const std::vector<double>& scores, const std::vector<double>& labels);
// Pearson's r and Spearman's ρ; 0 when either side is constant. ValueError when sizes differ.
double pearson(const std::vector<double>& a, const std::vector<double>& b);
double spearman(const std::vector<double>& a, const std::vector<double>& b);

struct CellScore {
  std::size_t series = 0, cell = 0;
  double score = 0;       // max(AUC, 1 − AUC) or |ρ|
  double raw = 0;         // AUC or ρ itself
  bool inverted = false;  // the cell is low where the feature is high
};

struct FeatureScores {
  std::string feature;
  FeatureKind kind = FeatureKind::Binary;
  bool present = true;                        // false: constant over the text, nothing scored
  std::vector<std::vector<CellScore>> cells;  // [series][cell]
  // The `n` best cells over every series, best first.
  std::vector<CellScore> top(std::size_t n) const;
  // "ROC AUC" or "|Spearman|".
  std::string measure() const;
};

// Every cell of every series ([T, H] each, the same T as every feature's values) against every
// feature. ValueError for a length mismatch.
std::vector<FeatureScores> score_cells(const std::vector<const xt::xtensor<float, 2>*>& series,
                                       const std::vector<TextFeature>& features);

// Per cell of a gate's activations [T, H]: the fraction of steps below `low` (left-saturated)
// and above `high` (right-saturated).
struct Saturation {
  std::vector<double> left, right;
};
Saturation gate_saturation(const xt::xtensor<float, 2>& gate, double low = 0.1, double high = 0.9);

}  // namespace unroll
