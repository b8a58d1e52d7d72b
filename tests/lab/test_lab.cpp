// The lab: results tables, and the gradient-flow experiment at --quick — its results.csv, its
// figures and report, reproducibility, and the directions that hold robustly even at this scale.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "framework/errors.hpp"
#include "lab/experiment.hpp"
#include "lab/experiments/experiments.hpp"
#include "lab/runner.hpp"
#include "tests/lab/lab_checks.hpp"
#include "tests/scratch_dir.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::lab;
using unroll::testing::report_figures;
using unroll::testing::run_quick;

namespace {

// ‖g_d‖ of one setting (seed 1) at every distance, from results.csv.
std::vector<double> norms(const Table& results, const std::map<std::string, std::string>& match) {
  const Table rows = results.select(match);
  std::vector<double> out;
  for (std::size_t i = 0; i < rows.size(); ++i) out.push_back(rows.number_at(i, "grad_norm"));
  return out;
}

}  // namespace

TEST_CASE("results tables round-trip through CSV exactly", "[lab]") {
  Table t;
  t.add({{"setting", "a, \"quoted\"\nline"}, {"value", number(0.1)}});
  t.add({{"setting", "plain"}, {"value", number(1.0 / 3.0)}});
  const Table back = Table::parse_csv(t.csv());
  CHECK(back.csv() == t.csv());
  CHECK(back.at(0, "setting") == "a, \"quoted\"\nline");
  CHECK(back.number_at(1, "value") == 1.0 / 3.0);  // the shortest form reads back exactly
  CHECK(number(1e-300) == "1e-300");
  CHECK(std::isnan(Table::parse_csv("x\nnan\n").number_at(0, "x")));
  CHECK_THROWS_WITH(t.add({{"value", "1"}, {"setting", "b"}}),
                    Catch::Contains("column 0 is 'setting', the row gives 'value'"));
  CHECK_THROWS_WITH(t.number_at(1, "setting"), Catch::Contains("'plain' is not a number"));
  CHECK_THROWS_WITH(Table::parse_csv("a,b\n1\n"), Catch::Contains("line 2 has 1 cells"));
  CHECK_THROWS_WITH(Table::parse_csv("a\n\"open\n"), Catch::Contains("never closed"));
}

TEST_CASE("gradient-flow at --quick: results, figures, report, and the seed's directions",
          "[lab][gradient-flow]") {
  unroll::testing::ScratchDir box;
  const auto experiment = gradient_flow();
  const std::string folder = box.path("gradient-flow");
  const RunSummary summary = run_quick(*experiment, folder);
  CHECK(summary.finished == summary.runs);
  CHECK(summary.runs == experiment->grid(Scale::Quick).size());
  const Table results = Table::parse_csv(slurp(folder + "/results.csv"));
  const std::vector<std::string> columns{
      "cell",  "rho",      "forget_bias",  "regime",         "hidden",
      "steps", "batch",    "train_length", "train_steps",    "seed",
      "phase", "distance", "grad_norm",    "predicted_norm", "adding_mse"};
  CHECK(results.columns() == columns);
  const std::size_t steps = 30, driven = 8;  // the driven settings are probed twice
  CHECK(results.size() == (summary.runs + driven) * steps);

  // A tanh RNN with ρ = 0.5 loses gradient geometrically — exactly ρ^d when linearized — and
  // ρ = 1.5 grows; an LSTM with forget bias 1 keeps far more than the ρ = 0.5 RNN.
  const auto small = norms(results, {{"cell", "rnn"}, {"rho", "0.5"}, {"regime", "linear"}});
  const auto large = norms(results, {{"cell", "rnn"}, {"rho", "1.5"}, {"regime", "linear"}});
  CHECK(results.select({{"regime", "linear"}, {"phase", "trained"}}).empty());
  REQUIRE(small.size() == steps);
  for (std::size_t d = 0; d < steps; ++d) {
    INFO("distance " << d);
    CHECK(small[d] == Approx(std::pow(0.5, d)).epsilon(1e-9));
    CHECK(large[d] == Approx(std::pow(1.5, d)).epsilon(1e-9));
  }
  const auto rnn =
      norms(results, {{"cell", "rnn"}, {"rho", "0.5"}, {"phase", "init"}, {"regime", "driven"}});
  const auto lstm = norms(results, {{"cell", "lstm"}, {"forget_bias", "1"}, {"phase", "init"}});
  CHECK(rnn[steps - 1] < rnn[steps / 2]);
  CHECK(rnn[steps / 2] < rnn[1]);
  CHECK(lstm[steps - 1] > 100 * rnn[steps - 1]);

  // The trained phase: the same probe after training on the adding problem, which lowered its
  // test MSE; ‖g_0‖ = 1 still (L_T = Σ r · h_T), the norms further back changed.
  const Table trained =
      results.select({{"cell", "lstm"}, {"forget_bias", "1"}, {"phase", "trained"}});
  const auto lstm_trained = norms(trained, {});
  REQUIRE(lstm_trained.size() == steps);
  CHECK(lstm_trained[0] == Approx(1.0).epsilon(1e-12));
  CHECK(lstm_trained[steps - 1] != lstm[steps - 1]);
  const Table init = results.select({{"cell", "lstm"}, {"forget_bias", "1"}, {"phase", "init"}});
  CHECK(trained.number_at(0, "adding_mse") < init.number_at(0, "adding_mse"));

  // Figures: each an SVG containing its series, and a PNG.
  for (const std::string figure : {"linear", "driven", "trained", "heatmap"}) {
    INFO(figure);
    CHECK(std::filesystem::file_size(folder + "/" + figure + ".png") > 1000);
    const std::string svg = slurp(folder + "/" + figure + ".svg");
    CHECK_THAT(svg, Catch::Contains("<svg"));
  }
  CHECK_THAT(slurp(folder + "/driven.svg"), Catch::Contains("lstm fb=1"));
  CHECK_THAT(slurp(folder + "/trained.svg"), Catch::Contains("after brief training") &&
                                                 Catch::Contains("<title>lstm fb=1</title>"));
  CHECK_THAT(slurp(folder + "/linear.svg"), Catch::Contains("rnn ρ=0.9 linear measured"));

  // The report states findings computed from these rows: the ρ = 0.5 norm at d = 29 it quotes is
  // the one in results.csv, and the vanishing/exploding claim is confirmed.
  const std::string report = slurp(folder + "/report.md");
  CHECK_THAT(report, Catch::Contains(fmt::format("{:.3g}", small[steps - 1])));
  CHECK_THAT(report, Catch::Contains("**Confirmed** — a tanh RNN's gradient vanishes"));
  CHECK(summary.confirmed + summary.not_confirmed >= 7);
  CHECK_THAT(report, Catch::Contains("training on a task that needs memory"));

  // The same seeds and scale reproduce results.csv byte for byte; `lab report` remakes the
  // report from it alone.
  const std::string again = box.path("again");
  run_quick(*experiment, again);
  CHECK(slurp(again + "/results.csv") == slurp(folder + "/results.csv"));
  std::filesystem::remove(folder + "/report.md");
  const RunRecord record = read_run_record(folder);
  CHECK(record.scale == Scale::Quick);
  write_report(*experiment, results, record.scale, folder, record.runs, record.finished);
  CHECK(slurp(folder + "/report.md") == report);
}

TEST_CASE("every experiment runs at --quick: results with its settings, figures, a report",
          "[lab]") {
  unroll::testing::ScratchDir box;
  unroll::testing::ComputeThreads one(1);  // as `lab` runs by default
  const std::u32string text = [] {
    std::u32string t;
    for (std::size_t i = 0; t.size() < 30000; ++i)
      t += U"the cat sat on the mat; the dog ran. "[i % 37];
    return t;
  }();
  for (const auto& experiment : all_experiments()) {
    INFO(experiment->name());
    const std::string folder = box.path(experiment->name());
    const auto summary = run_quick(*experiment, folder, &text);
    CHECK(summary.finished == summary.runs);
    const Table results = Table::parse_csv(slurp(folder + "/results.csv"));
    REQUIRE_FALSE(results.empty());
    // Every setting's columns and the seed lead every row; every setting has rows.
    const auto grid = experiment->grid(Scale::Quick);
    for (std::size_t i = 0; i < grid[0].columns.size(); ++i)
      CHECK(results.columns()[i] == grid[0].columns[i].first);
    CHECK(results.columns()[grid[0].columns.size()] == "seed");
    for (const auto& setting : grid) {
      std::map<std::string, std::string> match(setting.columns.begin(), setting.columns.end());
      CHECK(results.select(match).size() > 0);
    }
    // Every figure the report shows exists as PNG and SVG; the report has findings.
    const std::string report = slurp(folder + "/report.md");
    CHECK(report_figures(folder).size() >= 2);
    CHECK(summary.confirmed + summary.not_confirmed >= 1);
    CHECK_THAT(report, Catch::Contains("## Findings"));
  }
}

namespace {

// Two settings; the second throws unless `healthy`.
struct Fragile : Experiment {
  bool healthy = false;
  std::string name() const override { return "fragile"; }
  std::string question() const override { return "Does the runner keep what finished?"; }
  std::vector<Setting> grid(Scale) const override {
    return {{"first", {{"which", "first"}}}, {"second", {{"which", "second"}}}};
  }
  std::vector<Row> run(const Setting& s, const RunContext&) const override {
    if (s.value("which") == "second" && !healthy) throw ValueError("the second run diverged");
    return {{{"value", "1"}}};
  }
  void report(const Table& results, Scale, Report& report) const override {
    report.finding("every run finished", "—", results.size() == 2,
                   fmt::format("{} rows.", results.size()));
  }
};

}  // namespace

TEST_CASE("a run that throws is named, and what finished stays reported", "[lab]") {
  unroll::testing::ScratchDir box;
  const std::string folder = box.path("fragile");
  Fragile fragile;
  std::FILE* sink = std::fopen("/dev/null", "w");
  CHECK_THROWS_WITH(run_experiment(fragile, {Scale::Quick, 1, folder, sink}),
                    Catch::Contains("fragile: run 2/2 (second, seed 1) failed: the second run "
                                    "diverged"));
  std::fclose(sink);
  const Table results = Table::parse_csv(slurp(folder + "/results.csv"));
  CHECK(results.size() == 1);
  CHECK(results.at(0, "which") == "first");
  CHECK_THAT(slurp(folder + "/report.md"), Catch::Contains("**Not confirmed** — every run"));
  CHECK(read_run_record(folder).finished == 1);
  // A complete rerun replaces them.
  fragile.healthy = true;
  sink = std::fopen("/dev/null", "w");
  CHECK(run_experiment(fragile, {Scale::Quick, 1, folder, sink}).finished == 2);
  std::fclose(sink);
  CHECK(Table::parse_csv(slurp(folder + "/results.csv")).size() == 2);
}
