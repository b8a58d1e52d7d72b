// The tbptt experiment at --quick: its results.csv (every window trains on as many characters
// per step), figures and report, that the window really changes training, and that a rerun
// reproduces it.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "lab/experiments/experiments.hpp"
#include "tests/lab/quick_lab.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
using namespace unroll::lab;
using unroll::testing::draws_series;
using unroll::testing::run_quick;

TEST_CASE("tbptt at --quick: results, figures, report, and the window changes training",
          "[lab][tbptt]") {
  unroll::testing::ScratchDir box;
  std::u32string text;
  for (std::size_t i = 0; text.size() < 30000; ++i)
    text += U"the cat sat on the mat; the dog ran. "[i % 37];
  const auto experiment = tbptt();
  const std::string folder = box.path("tbptt");
  const RunSummary summary = run_quick(*experiment, folder, 1, &text);
  REQUIRE(summary.finished == summary.runs);
  CHECK(summary.runs == 2 * 4);  // char_lm and adding × k ∈ {4, 8, 16, 32}
  const Table results = Table::parse_csv(slurp(folder + "/results.csv"));
  const std::vector<std::string> columns{"task",  "window", "hidden", "batch",      "length",
                                         "steps", "seed",   "step",   "train_loss", "val_loss"};
  CHECK(results.columns() == columns);
  // --quick: the char-LM validates twice in its 12 steps; adding logs each of its first 20
  // steps, then every 20 of 100.
  const Table lm = results.select({{"task", "char_lm"}});
  const Table adding = results.select({{"task", "adding"}});
  CHECK(lm.size() == 4 * 2);
  CHECK(adding.size() == 4 * (20 - 1 + 5));
  CHECK(results.size() == lm.size() + adding.size());
  // Every window trains the same steps on the same characters per step: B · k = 8 · 32.
  for (std::size_t i = 0; i < lm.size(); ++i) {
    CHECK(lm.number_at(i, "batch") * lm.number_at(i, "window") == 256);
    CHECK(lm.at(i, "steps") == "12");
  }

  // The window is where the gradient stops: the same seed and batches train differently with
  // k = 4 than with k = 32 ≥ T = 20 (full BPTT), and the char-LM too with k = 4 and 32.
  for (const Table* part : {&adding, &lm}) {
    const Table short_window = part->select({{"window", "4"}});
    const Table full = part->select({{"window", "32"}});
    REQUIRE(short_window.size() == full.size());
    CHECK(short_window.at(0, "step") == full.at(0, "step"));
    const std::size_t last = full.size() - 1;  // the first step's loss is the same for every k
    CHECK(short_window.at(last, "train_loss") != full.at(last, "train_loss"));
  }

  // Figures, each drawing its series.
  for (const std::string figure :
       {"char-lm-by-step", "char-lm-by-window", "adding-by-step", "adding-by-window"}) {
    INFO(figure);
    CHECK(std::filesystem::file_size(folder + "/" + figure + ".png") > 1000);
  }
  const std::string by_step = slurp(folder + "/char-lm-by-step.svg");
  const std::string adding_by_step = slurp(folder + "/adding-by-step.svg");
  for (const std::string k : {"4", "8", "16", "32"}) {
    CHECK(draws_series(by_step, "k = " + k));
    CHECK(draws_series(adding_by_step, "k = " + k));
  }
  const std::string by_window = slurp(folder + "/adding-by-window.svg");
  for (const std::string series : {"final validation MSE", "always 1: 1/6",
                                   "second value only: 1/12", "solved: below 1 % of 1/6"})
    CHECK(draws_series(by_window, series));
  CHECK(draws_series(slurp(folder + "/char-lm-by-window.svg"), "final validation bpc"));

  // The report's tables hold the last rows' validation losses (one seed: the values themselves).
  const std::string report = slurp(folder + "/report.md");
  const Table lm4 = lm.select({{"window", "4"}});
  CHECK_THAT(report, Catch::Contains(fmt::format("| 4 | 64 | {:.3f} |",
                                                 lm4.number_at(lm4.size() - 1, "val_loss"))));
  const Table adding8 = adding.select({{"window", "8"}});
  CHECK_THAT(report,
             Catch::Contains(fmt::format("| 8 | 0 % | {:.4g} |",
                                         adding8.number_at(adding8.size() - 1, "val_loss"))));
  CHECK_THAT(report, Catch::Contains("## Findings"));
  CHECK(summary.confirmed + summary.not_confirmed == 3);

  // No timing column: the same seeds reproduce results.csv byte for byte.
  const std::string again = box.path("again");
  run_quick(*experiment, again, 1, &text);
  CHECK(slurp(again + "/results.csv") == slurp(folder + "/results.csv"));
}
