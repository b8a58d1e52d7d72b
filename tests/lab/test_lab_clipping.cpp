// The clipping experiment at --quick: its results.csv, figures and report, and the direction
// Pascanu, Mikolov & Bengio 2013 report, asserted from the rows: at the rate where unclipped
// SGD diverges, clipping the gradient norm keeps every run finite.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "lab/experiments/experiments.hpp"
#include "tests/lab/quick_lab.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
using namespace unroll::lab;
using unroll::testing::draws_series;
using unroll::testing::run_quick;

namespace {

// --quick: 100 steps, a row after each of the first 10, then every 10.
constexpr std::size_t kSeeds = 2, kRowsPerRun = 10 - 1 + 100 / 10;

// No step of the run was non-finite, and every row is finite.
bool stayed_finite(const Table& run) {
  for (std::size_t i = 0; i < run.size(); ++i)
    if (run.at(i, "diverged") != "0" || !std::isfinite(run.number_at(i, "train_loss")) ||
        !std::isfinite(run.number_at(i, "grad_norm")) ||
        !std::isfinite(run.number_at(i, "val_loss")))
      return false;
  return true;
}

}  // namespace

TEST_CASE("clipping at --quick: results, figures, report, and norm clipping keeps runs finite",
          "[lab][clipping]") {
  unroll::testing::ScratchDir box;
  const auto experiment = clipping();
  const std::string folder = box.path("clipping");
  // No --seeds: the experiment's own count, several (a fraction of runs needs them).
  CHECK(experiment->default_seeds(Scale::Quick) == kSeeds);
  CHECK(experiment->default_seeds(Scale::Default) >= 3);
  const RunSummary summary = run_quick(*experiment, folder, 0);
  REQUIRE(summary.finished == summary.runs);
  const std::size_t settings = experiment->grid(Scale::Quick).size();
  CHECK(settings == 2 * 7);  // rnn and lstm × (none, 3 values, 3 norms)
  CHECK(summary.runs == settings * kSeeds);
  CHECK_THAT(slurp(folder + "/run.json"), Catch::Contains("\"seeds\": 2"));
  const Table results = Table::parse_csv(slurp(folder + "/results.csv"));
  const std::vector<std::string> columns{
      "cell",  "clip", "threshold", "lr",         "rho",       "hidden",   "length",  "batch",
      "steps", "seed", "step",      "train_loss", "grad_norm", "val_loss", "diverged"};
  CHECK(results.columns() == columns);
  CHECK(results.size() == summary.runs * kRowsPerRun);

  // The direction, per cell and seed: unclipped training blows up (a non-finite loss or
  // gradient), training clipped by norm at 0.1 and at 1 stays finite and below 10 × the 1/6
  // baseline.
  for (const std::string cell : {"rnn", "lstm"})
    for (const std::string seed : {"1", "2"}) {
      INFO(cell << " seed " << seed);
      const Table none = results.select({{"cell", cell}, {"clip", "none"}, {"seed", seed}});
      REQUIRE(none.size() == kRowsPerRun);
      CHECK(none.at(none.size() - 1, "diverged") == "1");
      CHECK(std::isnan(none.number_at(none.size() - 1, "train_loss")));
      for (const std::string threshold : {"0.1", "1"}) {
        INFO("norm ≤ " << threshold);
        const Table norm = results.select(
            {{"cell", cell}, {"clip", "norm"}, {"threshold", threshold}, {"seed", seed}});
        REQUIRE(norm.size() == kRowsPerRun);
        CHECK(stayed_finite(norm));
        CHECK(norm.number_at(norm.size() - 1, "train_loss") < 10.0 / 6.0);
      }
    }

  // Figures: the final loss by threshold; the loss and gradient-norm traces of each cell, each
  // drawing every setting.
  const std::string thresholds = slurp(folder + "/final-by-threshold.svg");
  for (const std::string series :
       {"rnn by norm", "rnn by value", "lstm by norm", "lstm by value", "always 1: 1/6"})
    CHECK(draws_series(thresholds, series));
  for (const std::string figure : {"loss-rnn", "loss-lstm", "grad-norm-rnn", "grad-norm-lstm"}) {
    INFO(figure);
    CHECK(std::filesystem::file_size(folder + "/" + figure + ".png") > 1000);
    const std::string svg = slurp(folder + "/" + figure + ".svg");
    for (const std::string series : {"no clipping", "value ≤ 0.01", "value ≤ 0.1", "value ≤ 1",
                                     "norm ≤ 0.1", "norm ≤ 1", "norm ≤ 10"})
      CHECK(draws_series(svg, series));
  }

  // The report's table and findings come from these rows: the RNN clipped at norm 1 ends at the
  // lower median (of two seeds, the lower) of its seeds' last training and validation losses.
  const std::string report = slurp(folder + "/report.md");
  const Table rnn_norm = results.select({{"cell", "rnn"}, {"clip", "norm"}, {"threshold", "1"}});
  auto last = [&](const std::string& column) {
    return std::min(rnn_norm.number_at(kRowsPerRun - 1, column),
                    rnn_norm.number_at(2 * kRowsPerRun - 1, column));
  };
  CHECK_THAT(report, Catch::Contains(fmt::format("| rnn | norm ≤ 1 | 0 of 2 | {:.4g} | {:.4g} |",
                                                 last("train_loss"), last("val_loss"))));
  CHECK_THAT(report, Catch::Contains("| rnn | no clipping | 2 of 2 | ∞ |"));
  for (const std::string cell : {"rnn", "lstm"})
    CHECK_THAT(report, Catch::Contains("**Confirmed** — without clipping, training diverges at "
                                       "this rate, its gradient norm exploding (" +
                                       cell));
  CHECK(summary.confirmed + summary.not_confirmed == 6);

  // The same seeds reproduce results.csv byte for byte.
  const std::string again = box.path("again");
  run_quick(*experiment, again, kSeeds);
  CHECK(slurp(again + "/results.csv") == slurp(folder + "/results.csv"));
}
