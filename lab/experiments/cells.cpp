// cells: vanilla RNN, LSTM and GRU at (about) equal parameter counts on the character language
// model — validation bits per character against steps and against wall time (Karpathy, Johnson &
// Fei-Fei 2015 found LSTM and GRU well ahead of the vanilla RNN).
#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "lab/experiments/char_lm_runs.hpp"
#include "lab/experiments/experiments.hpp"
#include "plot/line_plot.hpp"

namespace unroll::lab {
namespace {

class Cells : public Experiment {
 public:
  std::string name() const override { return "cells"; }
  std::string question() const override {
    return "Which cell learns a character language model best for its size? A vanilla tanh RNN, "
           "an LSTM and a GRU with about the same number of parameters, trained the same way; "
           "validation bits per character against steps and against wall time.";
  }

  std::vector<Setting> grid(Scale scale) const override {
    const CharLMScale z = char_lm_scale(scale);
    std::vector<Setting> grid;
    for (const std::string cell : {"rnn", "lstm", "gru"}) {
      const std::size_t hidden = hidden_for_parameters(cell, z.parameters, z.embed, z.layers);
      grid.push_back({fmt::format("{} H={}", cell, hidden),
                      {{"cell", cell},
                       {"hidden", std::to_string(hidden)},
                       {"layers", std::to_string(z.layers)},
                       {"embed", std::to_string(z.embed)},
                       {"steps", std::to_string(z.steps)}}});
    }
    return grid;
  }

  std::vector<Row> run(const Setting& s, const RunContext& context) const override {
    CharLMConfig config;
    config.cell = s.value("cell");
    config.hidden = std::stoul(s.value("hidden"));
    config.layers = std::stoul(s.value("layers"));
    config.embed = std::stoul(s.value("embed"));
    return train_char_lm(config, std::stoul(s.value("steps")), context);
  }

  void report(const Table& results, Scale scale, Report& report) const override {
    report.heading("Setup");
    report.paragraph(char_lm_setup(results, scale));
    std::vector<std::vector<std::string>> rows;
    plot::LinePlot by_step, by_time;
    by_step.title("Validation bits per character against steps")
        .x_label("step")
        .y_label("validation bits per character");
    by_time.title("Validation bits per character against wall time")
        .x_label("seconds of training")
        .y_label("validation bits per character");
    std::map<std::string, double> final_bpc;
    for (const auto& cell : results.distinct("cell")) {
      const CharLMCurve c = char_lm_curve(results.select({{"cell", cell}}));
      const std::string label =
          fmt::format("{} (H {}, {} parameters)", cell, c.hidden, c.parameters);
      by_step.add_series(label, c.step, c.val_bpc);
      by_time.add_series(label, c.seconds, c.val_bpc);
      final_bpc[cell] = c.val_bpc.back();
      rows.push_back({cell, std::to_string(c.hidden), std::to_string(c.parameters),
                      fmt::format("{:.3f}", c.val_bpc.back()),
                      fmt::format("{:.0f}", c.tokens_per_s)});
    }
    report.table({"cell", "hidden", "parameters", "final validation bpc", "tokens/s"}, rows);
    by_step.write(report.figure_path("bpc-by-step"));
    report.figure("bpc-by-step", "Validation bits per character against training steps");
    by_time.write(report.figure_path("bpc-by-time"));
    report.figure("bpc-by-time", "The same against wall time (this machine, this run)");
    report.heading("Findings");
    if (final_bpc.count("rnn") && final_bpc.count("lstm") && final_bpc.count("gru")) {
      const double rnn = final_bpc["rnn"], lstm = final_bpc["lstm"], gru = final_bpc["gru"];
      report.finding(
          "at equal parameter counts and steps, LSTM and GRU reach a lower validation "
          "loss than a vanilla RNN",
          "Karpathy, Johnson & Fei-Fei 2015", lstm < rnn && gru < rnn,
          fmt::format("Final validation bits per character: RNN {:.3f}, LSTM {:.3f}, "
                      "GRU {:.3f}.",
                      rnn, lstm, gru));
    }
  }
};

}  // namespace

std::unique_ptr<Experiment> cells() { return std::make_unique<Cells>(); }

}  // namespace unroll::lab
