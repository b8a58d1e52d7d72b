// The long-range experiment at --quick — its results.csv, figures, report and the gradient
// directions that hold robustly at this scale — and the models it trains (IRNN, attention).
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "lab/experiments/experiments.hpp"
#include "lab/experiments/long_range.hpp"
#include "tests/lab/lab_checks.hpp"
#include "tests/scratch_dir.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::lab;

namespace {

// ‖g_d‖ / ‖g_0‖ at the longest distance of one model's gradient rows.
double relative_at_end(const Table& results, const std::string& model) {
  const Table rows = results.select({{"model", model}, {"measure", "gradient"}});
  REQUIRE(rows.size() > 1);
  return rows.number_at(rows.size() - 1, "grad_norm") / rows.number_at(0, "grad_norm");
}

}  // namespace

TEST_CASE("long-range at --quick: results, figures, report and the gradient directions",
          "[lab][long-range]") {
  unroll::testing::ComputeThreads one(1);
  unroll::testing::ScratchDir box;
  const auto experiment = long_range();
  const std::string folder = box.path("long-range");
  const RunSummary summary = unroll::testing::run_quick(*experiment, folder);
  const auto grid = experiment->grid(Scale::Quick);
  CHECK(summary.finished == summary.runs);
  CHECK(summary.runs == grid.size());
  CHECK(grid.size() == 2 * long_range_models(Scale::Quick).size());  // adding and copy
  const Table results = Table::parse_csv(slurp(folder + "/results.csv"));
  const std::vector<std::string> columns{"task",     "model",     "cell",   "skip",      "k",
                                         "layers",   "attention", "hidden", "max_steps", "seed",
                                         "measure",  "length",    "steps",  "metric",    "solved",
                                         "distance", "grad_norm"};
  CHECK(results.columns() == columns);

  // Per run: on the adding task the gradient at every distance of the probe's T; then one row
  // per T tried, in order, every one solved but the last, which ends the run unless solved too.
  const std::vector<std::size_t> lengths = long_range_scale(Scale::Quick).lengths;
  const std::size_t probe_length = long_range_scale(Scale::Quick).probe_length;
  std::size_t expected = 0;
  for (const auto& setting : grid) {
    INFO(setting.label);
    const Table rows =
        results.select({{"task", setting.value("task")}, {"model", setting.value("model")}});
    const Table gradient = rows.select({{"measure", "gradient"}});
    CHECK(gradient.size() == (setting.value("task") == "adding" ? probe_length : 0));
    const Table solve = rows.select({{"measure", "solve"}});
    REQUIRE(solve.size() >= 1);
    for (std::size_t i = 0; i < solve.size(); ++i) {
      CHECK(solve.number_at(i, "length") == lengths[i]);
      CHECK(solve.number_at(i, "steps") <= solve.number_at(i, "max_steps"));
      if (i + 1 < solve.size()) CHECK(solve.at(i, "solved") == "true");
    }
    if (solve.size() < lengths.size()) CHECK(solve.at(solve.size() - 1, "solved") != "true");
    expected += gradient.size() + solve.size();
  }
  CHECK(results.size() == expected);

  // A skip carries gradient back: at d = T − 1 the output skip and the dilated stack keep far
  // more of it than the plain tanh RNN, and so does the LSTM.
  const double rnn = relative_at_end(results, "rnn");
  CHECK(relative_at_end(results, "rnn skip k=5") > 100 * rnn);
  CHECK(relative_at_end(results, "rnn dilated 1,2,4,8") > 100 * rnn);
  CHECK(relative_at_end(results, "lstm") > 100 * rnn);

  // Figures: each shown in the report, each an SVG with every model's series.
  const auto svgs = unroll::testing::report_figures(folder);
  CHECK(svgs.size() == 4);
  for (const std::string figure : {"adding-by-length", "copy-by-length", "gradient-rnn"}) {
    INFO(figure);
    const std::string svg = slurp(folder + "/" + figure + ".svg");
    for (const std::string model : {"rnn", "irnn", "rnn skip k=5", "rnn dilated 1,2,4,8"})
      CHECK_THAT(svg, Catch::Contains("<title>" + model + "</title>"));
  }
  CHECK_THAT(slurp(folder + "/gradient-gated.svg"), Catch::Contains("<title>gru</title>"));

  // The report's numbers are the results': the metric where each model stopped, and the
  // gradient ratios its skip finding quotes.
  const std::string report = slurp(folder + "/report.md");
  const Table adding = results.select({{"task", "adding"}, {"measure", "solve"}});
  for (std::size_t i = 0; i < adding.size(); ++i)
    if (adding.at(i, "solved") != "true")
      CHECK_THAT(report, Catch::Contains(fmt::format("| {} |", adding.at(i, "model"))) &&
                             Catch::Contains(fmt::format("{:.3g}", adding.number_at(i, "metric"))));
  CHECK_THAT(report, Catch::Contains(fmt::format("rnn skip k=5 {:.3g} against rnn {:.3g}",
                                                 relative_at_end(results, "rnn skip k=5"), rnn)));
  CHECK_THAT(report,
             Catch::Contains("**Confirmed** — a temporal skip carries more of the gradient"));
  CHECK(summary.confirmed + summary.not_confirmed == 6);

  // The same seeds and scale make the same results.csv.
  const std::string again = box.path("again");
  unroll::testing::run_quick(*experiment, again);
  CHECK(slurp(again + "/results.csv") == slurp(folder + "/results.csv"));
}

TEST_CASE("long-range models: IRNN is relu with W_hh = I and zero biases, and the readout shapes",
          "[lab][long-range]") {
  LongRangeSpec irnn{.cell = "irnn", .hidden = 4};
  const LongRangeModel model(irnn, 2, 1, 3);
  const Array<float> w = model.parameter("rnn.weight_hh_l0").value();
  for (std::size_t i = 0; i < 4; ++i)
    for (std::size_t j = 0; j < 4; ++j) CHECK(w(i, j) == (i == j ? 1.0f : 0.0f));
  for (const std::string bias : {"rnn.bias_ih_l0", "rnn.bias_hh_l0"})
    for (float b : model.parameter(bias).value()) CHECK(b == 0.0f);
  // An input only at the first step: h_1 = relu(W_ih x_1), and after it h_t = relu(I h_{t−1})
  // = h_1 — the identity carries the state unchanged.
  Array<float> x = xt::zeros<float>({1, 6, 2});
  x(0, 0, 0) = 1.0f, x(0, 0, 1) = -0.5f;
  const auto out = model.forward(Var<float>(x), true, {.keep_states = true});
  const Array<float> first = out.seq.step_states[0][0][0].value();
  float positive = 0;
  for (float v : first) positive += v > 0 ? v : 0;
  CHECK(positive > 0);
  CHECK(unroll::testing::all_close(out.seq.step_states[0][5][0].value(), first));

  LongRangeSpec attention{.cell = "lstm", .attention = true, .hidden = 5};
  const LongRangeModel copy(attention, 10, 10, 1);
  CHECK(copy.forward(Var<float>(Array<float>(xt::zeros<float>({3, 7, 10}))), false).y.shape() ==
        Shape{3, 7, 10});
  CHECK(copy.forward(Var<float>(Array<float>(xt::zeros<float>({3, 7, 10}))), true).y.shape() ==
        Shape{3, 10});
  CHECK_THROWS_WITH(LongRangeModel(LongRangeSpec{.cell = "tcn"}, 2, 1, 1),
                    Catch::Contains("cell 'tcn' is not one of rnn, irnn, lstm, gru"));
}
