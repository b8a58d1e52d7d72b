// long-range: the seed's question about early time steps — the longest length T each model
// solves on the adding problem and on copy memory: tanh RNN, IRNN, LSTM and GRU, with temporal
// skips (output skips of several k, a dilated stack) and with an attention readout; and the
// gradient the adding loss sends back to each step's state at initialization.
//
// A run is one (task, model): on the adding task it first measures ‖∂L/∂h_t‖ at the probe's
// length (rows `gradient`), then trains a fresh model at each T in order, each until it solves
// the task (then stops) or spends its steps; the first T it does not solve ends the run.
#include "lab/experiments/long_range.hpp"

#include <fmt/format.h>

#include "lab/experiments/experiments.hpp"

namespace unroll::lab {

LongRangeScale long_range_scale(Scale scale) {
  switch (scale) {
    case Scale::Quick:
      return {{10, 25}, {.max_steps = 40, .eval_every = 20, .batch = 16, .test_batch = 64}, 16, 25};
    case Scale::Full:
      return {{10, 25, 50, 100, 200},
              {.max_steps = 3000, .eval_every = 100, .test_batch = 512},
              64,
              100};
    default:
      return {{10, 25, 50, 100, 200}, {.max_steps = 600, .eval_every = 50}, 32, 100};
  }
}

std::vector<NamedSpec> long_range_models(Scale scale) {
  std::vector<NamedSpec> models;
  // variant: plain | skip5 | skip20 (output skips) | dilated (4 layers, 1, 2, 4, 8) | attention
  auto add = [&](const std::string& cell, const std::string& variant) {
    LongRangeSpec s{.cell = cell};
    std::string label = cell;
    if (variant == "skip5" || variant == "skip20") {
      s.skip = "output", s.k = variant == "skip5" ? 5 : 20;
      label += fmt::format(" skip k={}", s.k);
    } else if (variant == "dilated") {
      s.skip = "dilated", s.k = 1, s.layers = 4;
      label += " dilated 1,2,4,8";
    } else if (variant == "attention") {
      s.attention = true;
      label += " + attention";
    }
    models.push_back({label, s});
  };
  const std::vector<std::string> cells = {"rnn", "irnn", "lstm", "gru"};
  for (const auto& cell : cells) add(cell, "plain");
  // Skips and attention on the tanh RNN, the cell with the shortest reach; on every cell at
  // --full, on the LSTM too (one skip) at the default scale.
  const std::vector<std::string> variants =
      scale == Scale::Quick ? std::vector<std::string>{"skip5", "dilated", "attention"}
                            : std::vector<std::string>{"skip5", "skip20", "dilated", "attention"};
  for (const auto& cell : scale == Scale::Full ? cells : std::vector<std::string>{"rnn"})
    for (const auto& variant : variants) add(cell, variant);
  if (scale == Scale::Default) add("lstm", "skip5"), add("lstm", "attention");
  return models;
}

namespace {

class LongRange : public Experiment {
 public:
  std::string name() const override { return "long-range"; }
  std::string question() const override {
    return "How long a gap can each model bridge? The longest length T at which a tanh RNN, an "
           "IRNN, an LSTM and a GRU — plain, with temporal skips, or with an attention readout "
           "over every step — solve the adding problem and copy memory, and whether a skip "
           "carries the loss's gradient back to the early steps (‖∂L/∂h_t‖ against the "
           "distance T − 1 − t, at initialization).";
  }

  std::vector<Setting> grid(Scale scale) const override {
    const LongRangeScale z = long_range_scale(scale);
    std::vector<Setting> grid;
    for (const std::string task : {"adding", "copy"})
      for (const auto& [label, s] : long_range_models(scale))
        grid.push_back({task + " " + label,
                        {{"task", task},
                         {"model", label},
                         {"cell", s.cell},
                         {"skip", s.skip},
                         {"k", std::to_string(s.k)},
                         {"layers", std::to_string(s.layers)},
                         {"attention", s.attention ? "true" : "false"},
                         {"hidden", std::to_string(z.hidden)},
                         {"max_steps", std::to_string(z.budget.max_steps)}}});
    return grid;
  }

  std::vector<Row> run(const Setting& s, const RunContext& context) const override {
    const LongRangeScale z = long_range_scale(context.scale);
    LongRangeSpec spec{s.value("cell"),
                       s.value("skip"),
                       std::stoul(s.value("k")),
                       std::stoul(s.value("layers")),
                       s.value("attention") == "true",
                       std::stoul(s.value("hidden"))};
    SolveBudget budget = z.budget;
    budget.max_steps = std::stoul(s.value("max_steps"));
    const std::string task = s.value("task");
    std::vector<Row> rows;
    auto row = [](const std::string& measure, std::size_t T, const std::string& steps,
                  const std::string& metric, const std::string& solved, const std::string& distance,
                  const std::string& grad_norm) {
      return Row{{"measure", measure},    {"length", std::to_string(T)},
                 {"steps", steps},        {"metric", metric},
                 {"solved", solved},      {"distance", distance},
                 {"grad_norm", grad_norm}};
    };
    if (task == "adding") {
      const std::size_t T = z.probe_length;
      const auto g = adding_state_gradients(spec, T, budget.test_batch, context.seed);
      for (std::size_t d = 0; d < g.size(); ++d)
        rows.push_back(row("gradient", T, "0", "-", "-", std::to_string(d), number(g[d])));
    }
    for (std::size_t i = 0; i < z.lengths.size(); ++i) {
      const std::size_t T = z.lengths[i];
      const SolveResult r = train_to_solve(
          spec, task, T, budget, context.seed, context.stopped, [&](std::size_t step, double m) {
            context.progress((static_cast<double>(i) +
                              static_cast<double>(step) / static_cast<double>(budget.max_steps)) /
                                 static_cast<double>(z.lengths.size()),
                             fmt::format("T = {}  step {}  {} {:.4g}", T, step,
                                         task == "adding" ? "MSE" : "accuracy", m));
          });
      if (r.stopped) return rows;
      rows.push_back(row("solve", T, std::to_string(r.steps), number(r.metric),
                         r.solved     ? "true"
                         : r.diverged ? "diverged"
                                      : "false",
                         "-", "-"));
      if (!r.solved) break;
    }
    return rows;
  }

  void report(const Table& results, Scale scale, Report& report) const override {
    long_range_report(results, scale, report);
  }
};

}  // namespace

std::unique_ptr<Experiment> long_range() { return std::make_unique<LongRange>(); }

}  // namespace unroll::lab
