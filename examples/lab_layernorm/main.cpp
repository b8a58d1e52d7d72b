// lab_layernorm: an experiment of one's own, run by the lab's runner — does LayerNorm inside an
// LSTM change how far back the gradient reaches (probed as gradient-flow probes, at init)?
//   lab_layernorm [--quick | --full] [--seeds N] [--out DIR]   → DIR/layernorm-lstm/
#include "examples/lab_layernorm/layer_norm_lstm.hpp"
#include "lab/command_line.hpp"
#include "lab/function_experiment.hpp"
#include "lab/series.hpp"
#include "lab/state_gradients.hpp"

using namespace unroll;
using namespace unroll::lab;

int main(int argc, char** argv) {
  ExperimentFunctions e{"layernorm-lstm", "Does LayerNorm in an LSTM change the gradient flow?"};
  e.grid = [](Scale scale) {
    const std::string T = scale == Scale::Quick ? "30" : scale == Scale::Full ? "200" : "100";
    return settings_over("cell", {"lstm", "ln-lstm"}, {{"steps", T}});
  };
  e.run = [](const Setting& s, const RunContext& context) {  // rows: distance, grad_norm
    const auto options = RecurrentOptions(32, 32).seed(context.seed);
    const Probe p = random_probe(16, std::stoul(s.value("steps")), 32, 32, context.seed);
    return distance_rows(s.value("cell") == "lstm"
                             ? probe(LSTM<double>(options), p)
                             : probe(Recurrent<LNLSTMCell<double>>(options), p));
  };
  e.report = [](const Table& results, Scale, Report& report) {
    plot::LinePlot plot;
    plot.title("‖∂L_T/∂h_t‖ against distance").x_label("distance d").y_label("‖g‖").log_y();
    add_figure(report, "gradient", "The gradient reaching each earlier step",
               add_series_by(plot, results, "cell", "distance", "grad_norm"));
    const std::string d = results.distinct("distance").back();  // the longest, T − 1
    const double lstm = mean_of(results, {{"cell", "lstm"}, {"distance", d}}, "grad_norm");
    const double ln = mean_of(results, {{"cell", "ln-lstm"}, {"distance", d}}, "grad_norm");
    report.heading("Findings");
    report.finding("LayerNorm keeps more gradient at the longest distance", "Ba et al. 2016",
                   ln > lstm,
                   fmt::format("At d = {}: {:.3g} with it, {:.3g} without.", d, ln, lstm));
  };
  return run_from_command_line(*make_experiment(e), argc, argv);
}
