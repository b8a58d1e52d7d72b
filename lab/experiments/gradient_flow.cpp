// gradient-flow: ‖∂L_T/∂h_t‖ against the distance T − t — the lecture's central claim, that
// backpropagation through time multiplies by W_hh (and the tanh derivative) once per step, so
// gradients vanish or explode as its powers do, while LSTM and GRU pass them through additive
// updates.
//
// Each setting builds one recurrent layer (H units, F = H inputs) in float64, runs it over a
// batch of T steps keeping every h_t, and backpropagates L_T = Σ_b r_b · h_T (r_b a random unit
// vector per row): ∂L_T/∂h_t is then the transposed Jacobian product J(T, t)ᵀ r. Rows give the
// batch mean of ‖∂L_T/∂h_t‖ at every distance d = T − 1 − t.
//   rnn:  W_hh orthogonal × ρ, so ‖W_hh^k‖ = ρ^k exactly; regime `linear`: zero inputs and
//         biases from a zero state (h stays 0, tanh' = 1: the linearized RNN, predicted
//         ‖g_d‖ = ρ^d); `driven`:
//         inputs N(0, 1), predicted ‖g_d‖ ≈ (ρ · rms tanh′)^d, with the rms over the run.
//   lstm: forget bias 0 or 1 (added to b_ih's forget block); gru. Driven inputs.
// Phases: `init`, and for every driven setting `trained`: the same layer probed with the same x
// and r after brief training on the adding problem (gradient_flow_training.hpp).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "lab/experiments/experiments.hpp"
#include "lab/experiments/gradient_flow_training.hpp"
#include "lab/state_gradients.hpp"
#include "layers/recurrent.hpp"
#include "plot/heatmap.hpp"
#include "plot/line_plot.hpp"

namespace unroll::lab {
namespace {

struct Size {
  std::size_t hidden, steps, batch;
};

Size size_of(Scale scale) {
  switch (scale) {
    case Scale::Quick:
      return {16, 30, 4};
    case Scale::Full:
      return {128, 200, 32};
    default:
      return {64, 100, 16};
  }
}

// The trained phase: the adding problem at T/2 (gradient_flow_training.hpp).
AddingTraining training_of(Scale scale) {
  const std::size_t steps = scale == Scale::Quick ? 10 : scale == Scale::Full ? 1000 : 200;
  return {size_of(scale).steps / 2, steps, 32};
}

class GradientFlow : public Experiment {
 public:
  std::string name() const override { return "gradient-flow"; }
  std::string question() const override {
    return "How does ‖∂L_T/∂h_t‖, the gradient that the loss at the last step sends back to the "
           "state d = T − 1 − t steps earlier, change with d? The lecture: backpropagation through "
           "time multiplies by W_hh (and the tanh derivative) once per step, so it vanishes or "
           "explodes like the powers of W_hh; LSTM and GRU carry it through additive updates. "
           "Here a tanh RNN with W_hh scaled to spectral radius ρ, an LSTM with forget bias 0 "
           "and 1, and a GRU, at initialization and after brief training on the adding problem.";
  }

  std::vector<Setting> grid(Scale scale) const override {
    const Size z = size_of(scale);
    const AddingTraining training = training_of(scale);
    auto setting = [&](const std::string& label, const std::string& cell, const std::string& rho,
                       const std::string& forget_bias, const std::string& regime) {
      const bool trained = regime == "driven";
      return Setting{label,
                     {{"cell", cell},
                      {"rho", rho},
                      {"forget_bias", forget_bias},
                      {"regime", regime},
                      {"hidden", std::to_string(z.hidden)},
                      {"steps", std::to_string(z.steps)},
                      {"batch", std::to_string(z.batch)},
                      {"train_length", trained ? std::to_string(training.length) : "-"},
                      {"train_steps", trained ? std::to_string(training.steps) : "0"}}};
    };
    std::vector<Setting> grid;
    for (const std::string regime : {"linear", "driven"})
      for (const std::string rho : {"0.5", "0.9", "1", "1.1", "1.5"})
        grid.push_back(setting(fmt::format("rnn ρ={} {}", rho, regime), "rnn", rho, "-", regime));
    grid.push_back(setting("lstm fb=0", "lstm", "-", "0", "driven"));
    grid.push_back(setting("lstm fb=1", "lstm", "-", "1", "driven"));
    grid.push_back(setting("gru", "gru", "-", "-", "driven"));
    return grid;
  }

  std::vector<Row> run(const Setting& s, const RunContext& context) const override {
    const std::size_t hidden = std::stoul(s.value("hidden"));
    const std::size_t steps = std::stoul(s.value("steps"));
    const std::size_t batch = std::stoul(s.value("batch"));
    const std::string cell = s.value("cell");
    const bool linear = s.value("regime") == "linear";
    const Probe p = random_probe(batch, steps, hidden, hidden, context.seed, linear);
    std::vector<Row> rows;
    // Probes the layer, ‖g_d‖ for every d, in rows of `phase`; then (driven only) trains it and
    // probes it again with the same x and r.
    auto measure = [&](auto& layer, double rho) {
      auto add = [&](const std::string& phase, const std::vector<double>& g, double factor,
                     double mse) {
        for (std::size_t d = 0; d < g.size(); ++d)
          rows.push_back({{"phase", phase},
                          {"distance", std::to_string(d)},
                          {"grad_norm", number(g[d])},
                          {"predicted_norm", number(std::pow(factor, static_cast<double>(d)))},
                          {"adding_mse", linear ? "-" : number(mse)}});
      };
      std::vector<Array<double>> hs;
      const std::vector<double> init = probe(layer, p, &hs);
      double tanh_prime_sq = 0;  // mean of tanh′(a)² = (1 − h²)² over the run
      for (const auto& h : hs)
        for (double v : h) tanh_prime_sq += (1 - v * v) * (1 - v * v);
      const double factor =
          rho * std::sqrt(tanh_prime_sq / static_cast<double>(steps * batch * hidden));
      if (linear) return add("init", init, factor, NAN);
      AddingTraining how = training_of(context.scale);
      how.length = std::stoul(s.value("train_length"));
      how.steps = std::stoul(s.value("train_steps"));
      const auto [before, after] = train_on_adding(layer, how, context.seed);
      add("init", init, factor, before);
      add("trained", probe(layer, p), NAN, after);
    };
    auto options = RecurrentOptions(hidden, hidden).seed(context.seed);
    if (cell == "rnn") {
      RNN<double> layer(options.recurrent_init(RecurrentInit::Orthogonal));
      const double rho = std::stod(s.value("rho"));
      layer.parameter("weight_hh_l0").mutable_value() *= rho;
      if (linear)  // h stays exactly 0: the linearization at the origin
        for (const std::string bias : {"bias_ih_l0", "bias_hh_l0"})
          layer.parameter(bias).mutable_value().fill(0.0);
      measure(layer, rho);
    } else if (cell == "lstm") {
      LSTM<double> layer(options.forget_bias(std::stod(s.value("forget_bias"))));
      measure(layer, NAN);
    } else {
      GRU<double> layer(options);
      measure(layer, NAN);
    }
    context.progress(1.0, "");
    return rows;
  }

  void report(const Table& results, Scale scale, Report& report) const override;
};

}  // namespace

std::unique_ptr<Experiment> gradient_flow() { return std::make_unique<GradientFlow>(); }

}  // namespace unroll::lab

namespace unroll::lab {
namespace {

// One setting's curve: the geometric mean over seeds of ‖g_d‖ (and of the prediction) per d.
struct Curve {
  std::string label, cell, rho, forget_bias, regime, phase;
  double adding_mse = NAN;  // the test MSE of this phase (NaN: linear)
  std::vector<double> distance, norm, predicted;
  // exp of the least-squares slope of log ‖g_d‖ over d ≥ 1: the measured change per step.
  double factor() const {
    double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (std::size_t i = 0; i < distance.size(); ++i) {
      if (distance[i] < 1 || !(norm[i] > 0) || !std::isfinite(norm[i])) continue;
      const double y = std::log(norm[i]);
      n += 1, sx += distance[i], sy += y, sxx += distance[i] * distance[i], sxy += distance[i] * y;
    }
    return n < 2 ? NAN : std::exp((n * sxy - sx * sy) / (n * sxx - sx * sx));
  }
  double predicted_factor() const {
    return predicted.size() > 1 ? std::pow(predicted.back(), 1.0 / distance.back()) : NAN;
  }
  double at_end() const { return norm.back(); }
};

std::string label_of(const std::string& cell, const std::string& rho, const std::string& fb,
                     const std::string& regime, const std::string& phase) {
  const std::string suffix = phase == "init" ? "" : ", " + phase;
  if (cell == "rnn") return fmt::format("rnn ρ={} {}{}", rho, regime, suffix);
  if (cell == "lstm") return fmt::format("lstm fb={}{}", fb, suffix);
  return cell + suffix;
}

std::vector<Curve> curves_of(const Table& results) {
  std::vector<Curve> curves;
  for (const auto& cell : results.distinct("cell"))
    for (const auto& rho : results.select({{"cell", cell}}).distinct("rho"))
      for (const auto& fb : results.select({{"cell", cell}, {"rho", rho}}).distinct("forget_bias"))
        for (const auto& regime :
             results.select({{"cell", cell}, {"rho", rho}, {"forget_bias", fb}}).distinct("regime"))
          for (const auto& phase : results.distinct("phase")) {
            const Table rows = results.select({{"cell", cell},
                                               {"rho", rho},
                                               {"forget_bias", fb},
                                               {"regime", regime},
                                               {"phase", phase}});
            if (rows.empty()) continue;
            Curve c;
            c.label = label_of(cell, rho, fb, regime, phase), c.cell = cell, c.rho = rho;
            c.forget_bias = fb, c.regime = regime, c.phase = phase;
            if (regime != "linear") {
              double mse = 0;
              for (std::size_t i = 0; i < rows.size(); ++i)
                mse += rows.number_at(i, "adding_mse") / static_cast<double>(rows.size());
              c.adding_mse = mse;
            }
            for (const auto& d : rows.distinct("distance")) {
              const Table at = rows.select({{"distance", d}});
              double log_norm = 0, log_predicted = 0;
              for (std::size_t i = 0; i < at.size(); ++i) {
                log_norm += std::log(at.number_at(i, "grad_norm")) / static_cast<double>(at.size());
                log_predicted +=
                    std::log(at.number_at(i, "predicted_norm")) / static_cast<double>(at.size());
              }
              c.distance.push_back(std::stod(d));
              c.norm.push_back(std::exp(log_norm));
              c.predicted.push_back(std::exp(log_predicted));
            }
            curves.push_back(std::move(c));
          }
  return curves;
}

const Curve* find(const std::vector<Curve>& curves, const std::string& label) {
  for (const auto& c : curves)
    if (c.label == label) return &c;
  return nullptr;
}

std::string sci(double v) { return std::isfinite(v) ? fmt::format("{:.3g}", v) : "—"; }

// Four figures: the linearized RNN measured against ρ^d; every driven setting at init and after
// training; a heatmap of log ‖g‖ over setting × distance at init.
void plot_curves(const std::vector<Curve>& curves, Report& report) {
  plot::LinePlot linear;
  linear.title("Linearized tanh RNN: measured (points) and predicted ρ^d (lines)")
      .x_label("distance d = T − 1 − t")
      .y_label("‖∂L_T/∂h_t‖")
      .log_y();
  plot::LinePlot driven;
  driven.title("Driven by N(0, 1) inputs, at initialization")
      .x_label("distance d = T − 1 − t")
      .y_label("‖∂L_T/∂h_t‖")
      .log_y();
  plot::LinePlot trained;
  trained.title("The same settings after brief training on the adding problem")
      .x_label("distance d = T − 1 − t")
      .y_label("‖∂L_T/∂h_t‖")
      .log_y();
  std::vector<std::vector<double>> grid;
  std::vector<std::string> rows, columns;
  const std::size_t every = std::max<std::size_t>(1, curves.front().distance.size() / 25);
  for (std::size_t i = 0; i < curves.front().distance.size(); i += every)
    columns.push_back(number(curves.front().distance[i]));
  for (const auto& c : curves) {
    if (c.regime == "linear") {
      linear.add_series(c.label + " measured", c.distance, c.norm, plot::Marks::points);
      linear.add_series("ρ^d, ρ = " + c.rho, c.distance, c.predicted, plot::Marks::lines);
    } else if (c.phase == "init") {
      driven.add_series(c.label, c.distance, c.norm, plot::Marks::lines);
    } else {  // named as at init: every curve of this figure is trained
      trained.add_series(label_of(c.cell, c.rho, c.forget_bias, c.regime, "init"), c.distance,
                         c.norm, plot::Marks::lines);
      continue;  // the heatmap shows initialization
    }
    std::vector<double> cells;
    for (std::size_t i = 0; i < c.norm.size(); i += every) cells.push_back(c.norm[i]);
    grid.push_back(std::move(cells));
    rows.push_back(c.label);
  }
  linear.write(report.figure_path("linear"));
  report.figure("linear", "The linearized RNN: ‖g_d‖ against d, measured and ρ^d");
  driven.write(report.figure_path("driven"));
  report.figure("driven", "Every cell driven by random inputs: ‖g_d‖ against d");
  trained.write(report.figure_path("trained"));
  report.figure("trained", "After training: ‖g_d‖ against d, probed with the same inputs");
  plot::Heatmap map;
  map.title("‖∂L_T/∂h_t‖ by setting and distance")
      .x_label("distance d")
      .x_labels(columns)
      .y_labels(rows)
      .colour_label("‖g‖")
      .log_scale()
      .size(900, 560);
  map.set(grid);
  map.write(report.figure_path("heatmap"));
  report.figure("heatmap",
                "The norms at initialization as a map: each row a setting, each column a distance");
}

// What training changed in one driven setting.
struct Change {
  const Curve *init, *trained;
  double ratio() const { return trained->at_end() / init->at_end(); }  // ‖g‖ at d = T − 1
};
std::vector<Change> changes_of(const std::vector<Curve>& curves) {
  std::vector<Change> out;
  for (const auto& c : curves)
    if (c.phase == "trained")
      if (const Curve* init =
              find(curves, label_of(c.cell, c.rho, c.forget_bias, c.regime, "init")))
        out.push_back({init, &c});
  return out;
}

}  // namespace

void GradientFlow::report(const Table& results, Scale scale, Report& report) const {
  const std::vector<Curve> curves = curves_of(results);
  const std::size_t steps = static_cast<std::size_t>(results.number_at(0, "steps"));
  report.heading("Setup");
  report.paragraph(fmt::format(
      "One layer of H = {} units (inputs F = H), a batch of {} sequences of T = {} steps, float64; "
      "seeds: {}. L_T = Σ_b r_b · h_T with r_b a random unit vector, so ‖g_0‖ = 1. The RNN's "
      "W_hh is orthogonal × ρ (spectral radius and norm exactly ρ). `linear`: zero inputs and "
      "biases from a zero state, so h stays 0 and tanh′ = 1 and the prediction ‖g_d‖ = ‖(W_hhᵀ)^d "
      "r‖ = ρ^d is exact; "
      "`driven`: inputs N(0, 1), prediction (ρ · rms tanh′)^d.",
      results.number_at(0, "hidden"), results.number_at(0, "batch"), steps,
      results.distinct("seed").size()));
  const Table trained_rows = results.select({{"phase", "trained"}});
  const AddingTraining how = training_of(scale);
  if (!trained_rows.empty())
    report.paragraph(fmt::format(
        "`trained`: each driven layer, with a linear readout ŷ = w · h_T + b, then trains for {} "
        "steps of Adam (learning rate {}, gradient norm clipped at 1) on batches of {} adding "
        "problems of T = {} — the value and marker channels in inputs 0 and 1, N(0, 1) "
        "distractors in the other H − 2 — and is probed again with the same inputs x and "
        "vectors r as at initialization (so inputs 0 and 1 of the probe are N(0, 1), not the "
        "task's). The adding MSE of {} test sequences (the baseline of always predicting 1: "
        "0.167) says how far the training went.",
        trained_rows.number_at(0, "train_steps"), how.lr, how.batch,
        trained_rows.number_at(0, "train_length"), how.test_batch));
  report.heading("Gradient norm against distance");
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : curves)
    rows.push_back({c.label, sci(c.factor()), sci(c.predicted_factor()), sci(c.at_end())});
  report.table(
      {"setting", "measured change per step", "predicted", fmt::format("‖g‖ at d = {}", steps - 1)},
      rows);
  plot_curves(curves, report);
  if (const std::vector<Change> changes = changes_of(curves); !changes.empty()) {
    report.heading("What training changed");
    std::vector<std::vector<std::string>> change_rows;
    for (const auto& c : changes)
      change_rows.push_back(
          {c.init->label, fmt::format("{:.3f} → {:.3f}", c.init->adding_mse, c.trained->adding_mse),
           sci(c.init->at_end()), sci(c.trained->at_end()), sci(c.ratio())});
    report.table({"setting", "adding test MSE, init → trained",
                  fmt::format("‖g‖ at d = {}, init", steps - 1), "trained", "trained / init"},
                 change_rows);
  }

  report.heading("Findings");
  const Curve* small = find(curves, "rnn ρ=0.5 linear");
  const Curve* large = find(curves, "rnn ρ=1.5 linear");
  if (small && large) {
    report.finding(
        "a tanh RNN's gradient vanishes geometrically when the spectral radius ρ < 1 "
        "and explodes when ρ > 1",
        "Bengio, Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013",
        small->factor() < 1 && large->factor() > 1,
        fmt::format("Per step back, ×{} at ρ = 0.5 and ×{} at ρ = 1.5 (linear regime); "
                    "‖g‖ at d = {}: {} and {}.",
                    sci(small->factor()), sci(large->factor()), steps - 1, sci(small->at_end()),
                    sci(large->at_end())));
  }
  double worst = 0;
  std::string worst_label;
  for (const auto& c : curves)
    if (c.regime == "linear") {
      const double e = std::abs(c.factor() - c.predicted_factor()) / c.predicted_factor();
      if (std::isnan(e) || e > worst) worst = e, worst_label = c.label;
      if (std::isnan(e)) break;  // a gap that cannot be measured decides it
    }
  if (!worst_label.empty())
    report.finding("in the linearized RNN the gradient follows the powers of W_hh: ‖g_d‖ = ρ^d",
                   "Pascanu, Mikolov & Bengio 2013, §2", worst < 0.01,
                   fmt::format("The largest relative gap between the measured and the predicted "
                               "change per step is {:.2g} ({}).",
                               worst, worst_label));
  std::vector<std::string> saturation;
  bool shrinks = true;
  for (const std::string rho : {"0.5", "0.9", "1", "1.1", "1.5"}) {
    const Curve* lin = find(curves, fmt::format("rnn ρ={} linear", rho));
    const Curve* drv = find(curves, fmt::format("rnn ρ={} driven", rho));
    if (!lin || !drv) continue;
    shrinks = shrinks && drv->factor() <= lin->factor();
    saturation.push_back(fmt::format("ρ = {}: ×{} driven vs ×{} linear", rho, sci(drv->factor()),
                                     sci(lin->factor())));
  }
  if (!saturation.empty())
    report.finding(
        "the saturation of tanh (tanh′ ≤ 1) shrinks the gradient further when inputs "
        "drive the state",
        "Pascanu, Mikolov & Bengio 2013", shrinks, fmt::format("{}.", fmt::join(saturation, "; ")));
  const Curve* rnn = find(curves, "rnn ρ=0.5 driven");
  const Curve* lstm1 = find(curves, "lstm fb=1");
  const Curve* lstm0 = find(curves, "lstm fb=0");
  const Curve* gru = find(curves, "gru");
  if (rnn && lstm1)
    report.finding(
        "an LSTM passes gradient back through its additive cell state far better "
        "than a contracting tanh RNN (here ρ = 0.5)",
        "Hochreiter & Schmidhuber 1997", lstm1->at_end() > 100 * rnn->at_end(),
        fmt::format("At d = {}: ‖g‖ = {} for the LSTM (forget bias 1) against {} for "
                    "the RNN with ρ = 0.5 (driven): a ratio of {}.",
                    steps - 1, sci(lstm1->at_end()), sci(rnn->at_end()),
                    sci(lstm1->at_end() / rnn->at_end())));
  if (lstm0 && lstm1)
    report.finding("a forget-gate bias of 1 keeps more gradient than 0",
                   "Gers, Schmidhuber & Cummins 2000; Jozefowicz, Zaremba & Sutskever 2015",
                   lstm1->factor() > lstm0->factor(),
                   fmt::format("Per step back, ×{} with forget bias 1 and ×{} with 0.",
                               sci(lstm1->factor()), sci(lstm0->factor())));
  const Curve* most = nullptr;  // the driven setting that keeps the most gradient at init
  for (const auto& c : curves)
    if (c.regime != "linear" && c.phase == "init" && (!most || c.at_end() > most->at_end()))
      most = &c;
  if (most)
    report.paragraph(fmt::format(
        "Of the driven settings at initialization, **{}** keeps the most gradient at d = {} (‖g‖ = "
        "{}, ×{} per "
        "step){}",
        most->label, steps - 1, sci(most->at_end()), sci(most->factor()),
        most->cell == "rnn" ? ": at initialization a gate is not yet an advantage over an RNN "
                              "near the edge of saturation; what the gates buy is that "
                              "training can learn to keep the path open."
                            : "."));
  if (rnn && gru)
    report.finding(
        "a GRU's gated additive update keeps more gradient than a contracting tanh RNN "
        "(here ρ = 0.5)",
        "Cho et al. 2014; Chung et al. 2014", gru->at_end() > 100 * rnn->at_end(),
        fmt::format("At d = {}: ‖g‖ = {} for the GRU against {} for the RNN with "
                    "ρ = 0.5 (driven).",
                    steps - 1, sci(gru->at_end()), sci(rnn->at_end())));
  const std::vector<Change> changes = changes_of(curves);
  std::vector<std::string> gated, plain;
  bool grew = true;
  for (const auto& c : changes) {
    const std::string text = fmt::format("{} ×{}", c.init->label, sci(c.ratio()));
    (c.init->cell == "rnn" ? plain : gated).push_back(text);
    if (c.init->cell != "rnn") grew = grew && c.ratio() > 1;
  }
  if (!gated.empty())
    report.finding(
        "training on a task that needs memory opens the gated cells' path: their gradient at the "
        "longest distance grows",
        "Hochreiter & Schmidhuber 1997; Gers, Schmidhuber & Cummins 2000", grew,
        fmt::format(
            "‖g‖ at d = {}, trained over init: {}; for the tanh RNNs, {}.", steps - 1,
            fmt::join(gated, ", "),
            plain.empty() ? std::string("none") : fmt::format("{}", fmt::join(plain, ", "))));
}

}  // namespace unroll::lab
