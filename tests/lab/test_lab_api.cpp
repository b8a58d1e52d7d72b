// What a user extends the lab with: an experiment of functions, a grid over one column, series
// and means from results, gradient-flow's probe of any layer — and examples/lab_layernorm, run
// as a user runs it.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>

#include "framework/errors.hpp"
#include "lab/function_experiment.hpp"
#include "lab/series.hpp"
#include "lab/state_gradients.hpp"
#include "tests/lab/lab_checks.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
using namespace unroll::lab;

TEST_CASE("an experiment of functions runs through the lab's runner", "[lab][api]") {
  unroll::testing::ScratchDir box;
  ExperimentFunctions f{"squares", "What is x²?"};
  f.grid = [](Scale) { return settings_over("x", {"2", "3"}, {{"power", "2"}}); };
  f.run = [](const Setting& s, const RunContext& context) {
    const double x = std::stod(s.value("x"));
    return std::vector<Row>{{{"y", number(std::pow(x, std::stod(s.value("power"))))}}};
  };
  f.report = [](const Table& results, Scale, Report& report) {
    plot::LinePlot plot;
    add_figure(report, "squares", "y against x", add_series_by(plot, results, "power", "x", "y"));
    report.finding("3² = 9", "arithmetic", mean_of(results, {{"x", "3"}}, "y") == 9, "");
  };
  const auto e = make_experiment(f);
  CHECK(e->grid(Scale::Quick)[1].columns == Row{{"x", "3"}, {"power", "2"}});
  CHECK(e->grid(Scale::Quick)[1].label == "3");
  const auto summary = unroll::testing::run_quick(*e, box.path("squares"));
  CHECK(summary.confirmed == 1);
  CHECK(slurp(box.path("squares") + "/results.csv") == "x,power,seed,y\n2,2,1,4\n3,2,1,9\n");
  const auto svgs = unroll::testing::report_figures(box.path("squares"));
  REQUIRE(svgs.size() == 1);
  CHECK_THAT(svgs[0], Catch::Contains("<title>2</title>"));  // one series: power 2
  CHECK(std::isnan(mean_of(Table::parse_csv("x,y\n1,2\n"), {{"x", "7"}}, "y")));

  ExperimentFunctions missing{"broken", "?"};
  missing.grid = f.grid;
  CHECK_THROWS_WITH(make_experiment(missing), Catch::Contains("'broken' has no run function"));
}

TEST_CASE("probe: ‖g_0‖ = 1 and, for a linear layer at the origin, ‖g_d‖ = ρ^d", "[lab][api]") {
  RNN<double> layer(RecurrentOptions(4, 4).recurrent_init(RecurrentInit::Orthogonal));
  layer.parameter("weight_hh_l0").mutable_value() *= 0.5;
  for (const std::string bias : {"bias_ih_l0", "bias_hh_l0"})
    layer.parameter(bias).mutable_value().fill(0.0);
  const Probe p = random_probe(3, 6, 4, 4, 1, true);
  const std::vector<double> g = probe(layer, p);
  REQUIRE(g.size() == 6);
  for (std::size_t d = 0; d < g.size(); ++d) CHECK(g[d] == Approx(std::pow(0.5, d)));
  const auto rows = distance_rows(g);
  CHECK(rows[2] == Row{{"distance", "2"}, {"grad_norm", number(g[2])}});
}

namespace {

struct Run {
  int status;
  std::string err;
};

Run lab_layernorm(const unroll::testing::ScratchDir& box, const std::string& args) {
  const std::string err = box.path("stderr.txt");
  const std::string command = std::string(LAB_LAYERNORM_BIN) + " " + args + " >/dev/null 2>" + err;
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(err)};
}

}  // namespace

TEST_CASE("examples/lab_layernorm at --quick writes its results, figure and report",
          "[lab][api][examples]") {
  unroll::testing::ScratchDir box;
  REQUIRE(lab_layernorm(box, "--quick --out " + box.path("out")).status == 0);
  const std::string folder = box.path("out") + "/layernorm-lstm";
  const Table results = Table::parse_csv(slurp(folder + "/results.csv"));
  CHECK(results.columns() ==
        std::vector<std::string>{"cell", "steps", "seed", "distance", "grad_norm"});
  CHECK(results.size() == 2 * 30);
  CHECK(results.distinct("cell") == std::vector<std::string>{"lstm", "ln-lstm"});
  for (const std::string cell : {"lstm", "ln-lstm"}) {
    INFO(cell);
    const Table rows = results.select({{"cell", cell}});
    CHECK(rows.number_at(0, "grad_norm") == Approx(1.0));  // ‖g_0‖ = ‖r‖
    CHECK(rows.number_at(29, "grad_norm") < rows.number_at(0, "grad_norm"));
  }
  const auto svgs = unroll::testing::report_figures(folder);
  REQUIRE(svgs.size() == 1);
  CHECK_THAT(svgs[0], Catch::Contains("<title>ln-lstm</title>"));
  const std::string report = slurp(folder + "/report.md");
  const double far = mean_of(results, {{"cell", "ln-lstm"}, {"distance", "29"}}, "grad_norm");
  CHECK_THAT(report, Catch::Contains(fmt::format("At d = 29: {:.3g} with it", far)));
  CHECK_THAT(report, Catch::Contains("`lab_layernorm --quick` makes them again"));

  const Run bad = lab_layernorm(box, "--quick --seeds 0");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.err,
             Catch::Contains("--seeds 0: not a whole number ≥ 1") && Catch::Contains("usage: "));
}
