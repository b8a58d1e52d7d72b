// depth: stacks of 1, 2, 4 and 8 LSTM and GRU layers, with and without residual connections, on
// the character language model at equal steps — GNMT (Wu et al. 2016) reports that plain stacks
// train worse past about 4 layers and that residual connections fix it.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "lab/experiments/char_lm_runs.hpp"
#include "lab/experiments/experiments.hpp"
#include "plot/line_plot.hpp"

namespace unroll::lab {
namespace {

constexpr std::size_t kHidden = 64, kEmbed = 32;

std::vector<std::size_t> depths(Scale scale) {
  return scale == Scale::Quick ? std::vector<std::size_t>{1, 2}
                               : std::vector<std::size_t>{1, 2, 4, 8};
}

class Depth : public Experiment {
 public:
  std::string name() const override { return "depth"; }
  std::string question() const override {
    return "Does a deeper recurrent stack learn better, and do residual connections matter? LSTM "
           "and GRU stacks of 1 to 8 layers, plain and residual (x_{l+1} = x_l + layer_l(x_l)), "
           "trained for the same steps: validation loss and the gradient reaching the first "
           "layer against depth.";
  }

  std::vector<Setting> grid(Scale scale) const override {
    std::vector<Setting> grid;
    for (const std::string cell : {"lstm", "gru"})
      for (const std::string residual : {"false", "true"})
        for (std::size_t layers : depths(scale)) {
          if (residual == "true" && layers == 1) continue;  // no layer of it could be residual
          grid.push_back(
              {fmt::format("{} ×{}{}", cell, layers, residual == "true" ? " residual" : ""),
               {{"cell", cell},
                {"layers", std::to_string(layers)},
                {"residual", residual},
                {"hidden", std::to_string(kHidden)},
                {"steps", std::to_string(char_lm_scale(scale).steps)}}});
        }
    return grid;
  }

  std::vector<Row> run(const Setting& s, const RunContext& context) const override {
    CharLMConfig config;
    config.cell = s.value("cell");
    config.layers = std::stoul(s.value("layers"));
    config.residual = s.value("residual") == "true";
    config.hidden = kHidden;
    config.embed = kEmbed;
    return train_char_lm(config, std::stoul(s.value("steps")), context);
  }

  void report(const Table& results, Scale scale, Report& report) const override {
    report.heading("Setup");
    report.paragraph(fmt::format("Hidden width {}, embedding {} (so the first layer is never "
                                 "residual: its input is narrower, GNMT's rule). ",
                                 kHidden, kEmbed) +
                     char_lm_setup(results, scale));
    plot::LinePlot loss, gradient;
    loss.title("Final validation loss against depth")
        .x_label("layers")
        .y_label("validation bits per character");
    gradient.title("Gradient reaching the first layer against depth (last step)")
        .x_label("layers")
        .y_label("‖∂L/∂W‖ of layer 0 (before clipping)")
        .log_y();
    std::vector<std::vector<std::string>> rows;
    std::map<std::string, std::map<double, double>> final_bpc;  // "lstm plain" → layers → bpc
    for (const auto& cell : results.distinct("cell"))
      for (const auto& residual : results.select({{"cell", cell}}).distinct("residual")) {
        const std::string kind = cell + (residual == "true" ? " residual" : " plain");
        std::vector<double> layers, bpc, grad;
        for (const auto& l :
             results.select({{"cell", cell}, {"residual", residual}}).distinct("layers")) {
          const CharLMCurve c = char_lm_curve(
              results.select({{"cell", cell}, {"residual", residual}, {"layers", l}}));
          layers.push_back(std::stod(l));
          bpc.push_back(c.val_bpc.back());
          grad.push_back(c.first_layer_grad_norm.back());
          final_bpc[kind][layers.back()] = bpc.back();
          rows.push_back({kind, l, fmt::format("{:.3f}", bpc.back()),
                          fmt::format("{:.3g}", grad.back()), std::to_string(c.parameters)});
        }
        loss.add_series(kind, layers, bpc);
        gradient.add_series(kind, layers, grad);
      }
    report.table({"stack", "layers", "final validation bpc", "first-layer ‖∂L/∂W‖", "parameters"},
                 rows);
    loss.write(report.figure_path("loss-by-depth"));
    report.figure("loss-by-depth", "Final validation loss against the number of layers");
    gradient.write(report.figure_path("gradient-by-depth"));
    report.figure("gradient-by-depth", "The gradient norm reaching the first layer");
    report.heading("Findings");
    for (const std::string cell : {"lstm", "gru"}) {
      const auto& plain = final_bpc[cell + " plain"];
      const auto& residual = final_bpc[cell + " residual"];
      if (plain.empty() || residual.empty()) continue;
      // The deepest stack both kinds reached (an interrupted run may lack some).
      double deepest = 0;
      for (const auto& [layers, bpc] : residual)
        if (plain.count(layers)) deepest = std::max(deepest, layers);
      if (deepest == 0) continue;
      const double best_plain = std::min_element(plain.begin(), plain.end(), [](auto& a, auto& b) {
                                  return a.second < b.second;
                                })->first;
      report.finding(fmt::format("a plain {} stack stops improving with depth (its best is not the "
                                 "deepest)",
                                 cell),
                     "Wu et al. 2016 (GNMT), §3", best_plain < deepest,
                     fmt::format("The plain stack's best validation loss is with {} layer(s) "
                                 "({:.3f} bpc); with {} it is {:.3f}.",
                                 best_plain, plain.at(best_plain), deepest, plain.at(deepest)));
      report.finding(fmt::format("residual connections make the deepest {} stack train better "
                                 "than the plain one",
                                 cell),
                     "Wu et al. 2016 (GNMT), §3", residual.at(deepest) < plain.at(deepest),
                     fmt::format("At {} layers: {:.3f} bpc residual, {:.3f} plain.", deepest,
                                 residual.at(deepest), plain.at(deepest)));
    }
  }
};

}  // namespace

std::unique_ptr<Experiment> depth() { return std::make_unique<Depth>(); }

}  // namespace unroll::lab
