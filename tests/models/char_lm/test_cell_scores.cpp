// The measures cells are scored by (ROC AUC, Pearson, Spearman, gate saturation), against values
// computed by hand, and score_cells finding a planted cell.
#include <catch2/catch.hpp>

#include "framework/errors.hpp"
#include "models/char_lm/cell_scores.hpp"

using namespace unroll;

TEST_CASE("average ranks share ties", "[scores]") {
  CHECK(average_ranks({3, 1, 2, 1}) == std::vector<double>{4, 1.5, 3, 1.5});
}

TEST_CASE("ROC AUC counts the pairs a score orders rightly, ties as halves", "[scores]") {
  CHECK(roc_auc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}) == 1.0);
  CHECK(roc_auc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}) == 0.0);
  // positives 0.4, 0.8 against negatives 0.1, 0.4, 0.9: pairs won 1 + 0.5 (tie) + 2 = 3.5 of 6
  CHECK(roc_auc({0.4, 0.8, 0.1, 0.4, 0.9}, {1, 1, 0, 0, 0}) == Approx(3.5 / 6));
  CHECK_THROWS_WITH(roc_auc({1, 2}, {1, 1}), Catch::Contains("both classes"));
  CHECK_THROWS_AS(roc_auc({1, 2}, {1}), ValueError);
}

TEST_CASE("Pearson and Spearman", "[scores]") {
  CHECK(pearson({1, 2, 3}, {2, 4, 6}) == Approx(1.0));
  CHECK(pearson({1, 2, 3}, {3, 2, 1}) == Approx(-1.0));
  CHECK(pearson({1, 1, 1}, {1, 2, 3}) == 0.0);
  // monotone but not linear: Spearman 1, Pearson less
  CHECK(spearman({1, 2, 3, 4}, {1, 8, 27, 1000}) == Approx(1.0));
  CHECK(pearson({1, 2, 3, 4}, {1, 8, 27, 1000}) < 0.9);
  // x: 1 2 3 4 5, y: 2 1 4 3 5 → d² = 1 + 1 + 1 + 1 + 0 = 4, ρ = 1 − 6·4 / (5·24) = 0.8
  CHECK(spearman({1, 2, 3, 4, 5}, {2, 1, 4, 3, 5}) == Approx(0.8));
}

TEST_CASE("score_cells finds the planted cells, inverted ones included", "[scores]") {
  const std::size_t steps = 200;
  TextFeature inside{"inside", FeatureKind::Binary, std::vector<double>(steps)};
  TextFeature position{"position", FeatureKind::Numeric, std::vector<double>(steps)};
  TextFeature flat{"flat", FeatureKind::Binary, std::vector<double>(steps, 0.0)};
  xt::xtensor<float, 2> a = xt::zeros<float>({steps, std::size_t{4}});
  xt::xtensor<float, 2> b = xt::zeros<float>({steps, std::size_t{3}});
  for (std::size_t t = 0; t < steps; ++t) {
    inside.values[t] = (t / 10) % 2;
    position.values[t] = static_cast<double>(t % 25);
    for (std::size_t k = 0; k < 4; ++k) a(t, k) = static_cast<float>((t * 31 + k * 17) % 13) / 13;
    for (std::size_t k = 0; k < 3; ++k) b(t, k) = static_cast<float>((t * 7 + k * 5) % 11) / 11;
    b(t, 2) = inside.values[t] ? -0.8f : 0.5f;                  // off inside
    a(t, 1) = -static_cast<float>(position.values[t]) * 0.01f;  // falls along the line
  }
  const auto scores = score_cells({&a, &b}, {inside, position, flat});
  REQUIRE(scores.size() == 3);
  const CellScore best_inside = scores[0].top(1).at(0);
  CHECK(best_inside.series == 1);
  CHECK(best_inside.cell == 2);
  CHECK(best_inside.score == Approx(1.0));
  CHECK(best_inside.raw == Approx(0.0));
  CHECK(best_inside.inverted);
  const CellScore best_position = scores[1].top(1).at(0);
  CHECK(best_position.series == 0);
  CHECK(best_position.cell == 1);
  CHECK(best_position.score == Approx(1.0));
  CHECK(best_position.inverted);
  CHECK(scores[0].measure() == "ROC AUC");
  CHECK(scores[1].measure() == "|Spearman|");
  CHECK_FALSE(scores[2].present);
  CHECK(scores[0].top(100).size() == 7);
  xt::xtensor<float, 2> short_one = xt::zeros<float>({steps - 1, std::size_t{2}});
  CHECK_THROWS_AS(score_cells({&short_one}, {inside}), ValueError);
}

TEST_CASE("gate saturation: the fractions of steps below 0.1 and above 0.9", "[scores]") {
  xt::xtensor<float, 2> gate = {{0.05f, 0.5f}, {0.95f, 0.5f}, {0.05f, 0.99f}, {0.5f, 0.92f}};
  const Saturation s = gate_saturation(gate);
  CHECK(s.left == std::vector<double>{0.5, 0.0});
  CHECK(s.right == std::vector<double>{0.25, 0.5});
}
