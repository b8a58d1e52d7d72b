// clipping: Pascanu, Mikolov & Bengio 2013. A tanh RNN whose W_hh has spectral radius 1.5, and an
// LSTM, trained on the adding problem by SGD at a learning rate where unclipped training blows
// up; clipping the gradient by its norm (g ← g · c / ‖g‖ when ‖g‖ > c) or by value (each element
// clamped to [−c, c]) at several thresholds c, over several seeds. A run diverges when its loss
// or gradient norm becomes non-finite, or when its final training MSE is above kDivergedMultiple
// times the baseline 1/6 of always answering 1.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "lab/experiments/adding_runs.hpp"
#include "lab/experiments/experiments.hpp"
#include "models/tasks/adding.hpp"
#include "plot/line_plot.hpp"

namespace unroll::lab {
namespace {

constexpr double kDivergedMultiple = 10;
constexpr std::size_t kHidden = 32, kLength = 20, kBatch = 32;
constexpr double kRho = 1.5;  // the RNN's W_hh: orthogonal × 1.5

struct Size {
  std::size_t steps, log_every, seeds;
};

Size size_of(Scale scale) {
  switch (scale) {
    case Scale::Quick:
      return {100, 10, 2};
    case Scale::Full:
      return {8000, 50, 10};
    default:
      return {3000, 50, 5};
  }
}

// SGD's rate per cell, found by trying: unclipped, the RNN (ρ = 1.5) diverges at 0.1 while
// ρ ≤ 0.9 trains there; the LSTM trains at 0.3 and diverges at 1.
std::string lr_of(const std::string& cell) { return cell == "rnn" ? "0.1" : "1"; }

std::string label_of(const std::string& clip, const std::string& threshold) {
  return clip == "none" ? "no clipping" : fmt::format("{} ≤ {}", clip, threshold);
}

class Clipping : public Experiment {
 public:
  std::string name() const override { return "clipping"; }
  std::string question() const override {
    return "Does clipping the gradient stop exploding gradients from wrecking training? A tanh "
           "RNN (W_hh of spectral radius 1.5) and an LSTM on the adding problem, trained by SGD "
           "at a rate where unclipped training diverges: no clipping, clipping by norm and by "
           "value at several thresholds, over several seeds.";
  }
  std::size_t default_seeds(Scale scale) const override { return size_of(scale).seeds; }

  std::vector<Setting> grid(Scale scale) const override {
    const Size z = size_of(scale);
    std::vector<Setting> grid;
    for (const std::string cell : {"rnn", "lstm"}) {
      auto add = [&](const std::string& clip, const std::string& threshold) {
        grid.push_back({fmt::format("{} {}", cell, label_of(clip, threshold)),
                        {{"cell", cell},
                         {"clip", clip},
                         {"threshold", threshold},
                         {"lr", lr_of(cell)},
                         {"rho", cell == "rnn" ? number(kRho) : "-"},
                         {"hidden", std::to_string(kHidden)},
                         {"length", std::to_string(kLength)},
                         {"batch", std::to_string(kBatch)},
                         {"steps", std::to_string(z.steps)}}});
      };
      add("none", "-");
      for (const std::string c : {"0.01", "0.1", "1"}) add("value", c);
      for (const std::string c : {"0.1", "1", "10"}) add("norm", c);
    }
    return grid;
  }

  std::vector<Row> run(const Setting& s, const RunContext& context) const override {
    AddingRun run;
    run.cell = s.value("cell");
    run.hidden = std::stoul(s.value("hidden"));
    run.length = std::stoul(s.value("length"));
    run.batch = std::stoul(s.value("batch"));
    run.steps = std::stoul(s.value("steps"));
    run.rho = run.cell == "rnn" ? std::stod(s.value("rho")) : 0;
    run.log_every = size_of(context.scale).log_every;
    run.trainer.optimizer = "sgd";
    run.trainer.lr = std::stod(s.value("lr"));
    const std::string clip = s.value("clip");
    run.trainer.clip_norm = clip == "norm" ? std::stod(s.value("threshold")) : 0;
    run.trainer.clip_value = clip == "value" ? std::stod(s.value("threshold")) : 0;
    return train_adding(run, context);
  }

  void report(const Table& results, Scale scale, Report& report) const override;
};

// The lower median, NaN counted as +∞ (a diverged run): the middle value for an odd count, so
// it is missing (∞) once half the runs or more are.
double median(std::vector<double> v) {
  for (double& x : v)
    if (std::isnan(x)) x = std::numeric_limits<double>::infinity();
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v[(v.size() - 1) / 2];
}

// One setting of one cell over its seeds.
struct Outcome {
  std::string cell, clip, threshold, label;
  std::size_t runs = 0, diverged = 0;
  double final_train = 0, final_val = 0, largest_norm = 0;  // medians over the seeds
  std::vector<double> step, train, norm;                    // medians over the seeds per step
};

Outcome outcome_of(const Table& rows, const std::string& cell, const std::string& clip,
                   const std::string& threshold) {
  Outcome o;
  o.cell = cell, o.clip = clip, o.threshold = threshold, o.label = label_of(clip, threshold);
  const double limit = kDivergedMultiple * tasks::Adding::baseline_mse();
  std::vector<double> finals, vals, largest;
  for (const auto& seed : rows.distinct("seed")) {
    const Table run = rows.select({{"seed", seed}});
    double most = 0;  // the largest finite norm, the last before a divergence included
    for (std::size_t i = 0; i < run.size(); ++i)
      if (std::isfinite(run.number_at(i, "grad_norm")))
        most = std::max(most, run.number_at(i, "grad_norm"));
    const bool non_finite = run.at(run.size() - 1, "diverged") == "1";
    const double final_train = non_finite ? NAN : run.number_at(run.size() - 1, "train_loss");
    ++o.runs;
    o.diverged += non_finite || final_train > limit;
    finals.push_back(final_train);
    vals.push_back(run.number_at(run.size() - 1, "val_loss"));
    largest.push_back(most);
  }
  o.final_train = median(finals), o.final_val = median(vals), o.largest_norm = median(largest);
  for (const auto& step : rows.distinct("step")) {
    const Table at = rows.select({{"step", step}});
    std::vector<double> train, norm;
    for (std::size_t i = 0; i < at.size(); ++i)
      train.push_back(at.number_at(i, "train_loss")), norm.push_back(at.number_at(i, "grad_norm"));
    o.step.push_back(std::stod(step));
    o.train.push_back(median(train));
    o.norm.push_back(median(norm));
  }
  return o;
}

std::string mse_text(double v) { return std::isfinite(v) ? fmt::format("{:.4g}", v) : "∞"; }

// The best-training threshold of one kind of clipping: the lowest median final validation MSE.
const Outcome* best_of(const std::vector<Outcome>& outcomes, const std::string& clip) {
  const Outcome* best = nullptr;
  for (const auto& o : outcomes)
    if (o.clip == clip && (!best || o.final_val < best->final_val)) best = &o;
  return best;
}

// "0 of 5 diverged at 0.1, 2 of 5 at 10": every threshold of one kind.
std::string divergence_text(const std::vector<Outcome>& outcomes, const std::string& clip) {
  std::string text;
  for (const auto& o : outcomes)
    if (o.clip == clip)
      text +=
          fmt::format("{}{} of {} at {} (median final validation MSE {})", text.empty() ? "" : "; ",
                      o.diverged, o.runs, o.threshold, mse_text(o.final_val));
  return text;
}

void plot_cell(const std::vector<Outcome>& outcomes, const std::string& cell, Report& report) {
  plot::LinePlot loss, norm;
  loss.title(fmt::format("{}: training MSE (median over seeds)", cell))
      .x_label("step")
      .y_label("training MSE (mean since the last row)")
      .log_x()
      .log_y();
  norm.title(fmt::format("{}: gradient norm before clipping (median over seeds)", cell))
      .x_label("step")
      .y_label("largest ‖∂L/∂θ‖ since the last row")
      .log_x()
      .log_y();
  for (const auto& o : outcomes) {
    // Points too where a run may diverge within its first rows: a line needs two of them.
    const auto marks = o.clip == "none" ? plot::Marks::lines_points : plot::Marks::lines;
    loss.add_series(o.label, o.step, o.train, marks);
    norm.add_series(o.label, o.step, o.norm, marks);
  }
  loss.write(report.figure_path("loss-" + cell));
  report.figure("loss-" + cell, fmt::format("{}: training loss against steps (both axes log); a "
                                            "line ends where most seeds diverged",
                                            cell));
  norm.write(report.figure_path("grad-norm-" + cell));
  report.figure("grad-norm-" + cell,
                fmt::format("{}: the gradient norm before clipping, on a log axis", cell));
}

// The median final validation MSE against the threshold, one series per cell and kind.
void plot_thresholds(const std::vector<std::pair<std::string, std::vector<Outcome>>>& by_cell,
                     Report& report) {
  plot::LinePlot plot;
  plot.title("Final validation MSE against the clipping threshold (median over seeds)")
      .x_label("threshold c")
      .y_label("final validation MSE")
      .log_x()
      .log_y();
  double lo = INFINITY, hi = 0;
  for (const auto& [cell, outcomes] : by_cell)
    for (const std::string clip : {"norm", "value"}) {
      std::vector<double> thresholds, finals;
      for (const auto& o : outcomes)
        if (o.clip == clip) {
          thresholds.push_back(std::stod(o.threshold)), finals.push_back(o.final_val);
          lo = std::min(lo, thresholds.back()), hi = std::max(hi, thresholds.back());
        }
      plot.add_series(fmt::format("{} by {}", cell, clip), thresholds, finals);
    }
  const std::vector<double> span{lo, hi};
  plot.add_series("always 1: 1/6", span, std::vector<double>(2, tasks::Adding::baseline_mse()),
                  plot::Marks::lines);
  plot.write(report.figure_path("final-by-threshold"));
  report.figure("final-by-threshold",
                "Where clipping trains: the final validation MSE of each threshold (∞, left out, "
                "where the median run diverged)");
}

}  // namespace

void Clipping::report(const Table& results, Scale scale, Report& report) const {
  const double baseline = tasks::Adding::baseline_mse();
  report.heading("Setup");
  report.paragraph(fmt::format(
      "The adding problem with T = {} steps (targets in [0, 2]; always answering 1 scores the "
      "baseline MSE 1/6 ≈ {:.3f}); one recurrent layer of H = {} units and a linear head on its "
      "last state; SGD on batches of {}, {} steps, the tanh RNN at learning rate {} with W_hh "
      "orthogonal × ρ = {} (spectral radius {}), the LSTM (PyTorch's initialization) at rate "
      "{}. Clipping by norm: g ← g · c / ‖g‖ when ‖g‖ > c (‖·‖ over every parameter at once); "
      "by value: each element clamped to [−c, c]. Rows after each of the first {} steps, then "
      "every {}: the mean training MSE since the last row, the largest gradient norm before "
      "clipping among those steps, and the MSE on a fixed validation batch. **Diverged**: a "
      "non-finite loss or gradient at any step (the run "
      "stops there), or a final training MSE above {} × the baseline ({:.3g}). Seeds: {}.",
      results.number_at(0, "length"), baseline, results.number_at(0, "hidden"),
      results.number_at(0, "batch"), results.number_at(0, "steps"), lr_of("rnn"), number(kRho),
      number(kRho), lr_of("lstm"), size_of(scale).log_every, size_of(scale).log_every,
      number(kDivergedMultiple), kDivergedMultiple * baseline, results.distinct("seed").size()));
  std::vector<std::pair<std::string, std::vector<Outcome>>> by_cell;  // in the grid's order
  std::vector<std::vector<std::string>> rows;
  for (const auto& cell : results.distinct("cell")) {
    const Table of_cell = results.select({{"cell", cell}});
    by_cell.emplace_back(cell, std::vector<Outcome>{});
    for (const auto& clip : of_cell.distinct("clip"))
      for (const auto& threshold : of_cell.select({{"clip", clip}}).distinct("threshold")) {
        const Outcome o = outcome_of(of_cell.select({{"clip", clip}, {"threshold", threshold}}),
                                     cell, clip, threshold);
        rows.push_back({cell, o.label, fmt::format("{} of {}", o.diverged, o.runs),
                        mse_text(o.final_train), mse_text(o.final_val), mse_text(o.largest_norm)});
        by_cell.back().second.push_back(o);
      }
  }
  report.heading("Divergence and final losses");
  report.table({"cell", "clipping", "diverged", "final training MSE", "final validation MSE",
                "largest finite ‖g‖ before clipping"},
               rows);
  report.paragraph(
      "Medians over the seeds; ∞ where the median run diverged (its loss became "
      "non-finite).");
  plot_thresholds(by_cell, report);
  for (const auto& [cell, outcomes] : by_cell) plot_cell(outcomes, cell, report);

  report.heading("Findings");
  for (const auto& [cell, outcomes] : by_cell) {
    const Outcome* none = nullptr;
    for (const auto& o : outcomes)
      if (o.clip == "none") none = &o;
    const Outcome* norm = best_of(outcomes, "norm");
    const Outcome* value = best_of(outcomes, "value");
    const std::string lr = fmt::format("{} at SGD rate {}", cell, lr_of(cell));
    if (none)
      report.finding(
          fmt::format("without clipping, training diverges at this rate, its gradient norm "
                      "exploding ({})",
                      lr),
          "Pascanu, Mikolov & Bengio 2013", 2 * none->diverged > none->runs,
          fmt::format("{} of {} unclipped runs diverged; the median largest gradient norm "
                      "before clipping (before the divergence) was {}.",
                      none->diverged, none->runs, mse_text(none->largest_norm)));
    if (norm)
      report.finding(
          fmt::format("clipping the gradient norm keeps training finite and learning ({})", lr),
          "Pascanu, Mikolov & Bengio 2013, §3.2", norm->diverged == 0 && norm->final_val < baseline,
          fmt::format("At the best threshold, {}, {} of {} runs diverged and the median final "
                      "validation MSE is {} (baseline {:.3f}). Diverged, by threshold: {}.",
                      norm->threshold, norm->diverged, norm->runs, mse_text(norm->final_val),
                      baseline, divergence_text(outcomes, "norm")));
    if (value)
      report.finding(
          fmt::format("clipping each element by value also keeps training finite and learning "
                      "({}), though it changes the gradient's direction",
                      lr),
          "Mikolov 2012, as discussed by Pascanu, Mikolov & Bengio 2013",
          value->diverged == 0 && value->final_val < baseline,
          fmt::format(
              "At the best threshold, {}, {} of {} runs diverged and the median final "
              "validation MSE is {}{}. Diverged, by threshold: {}.",
              value->threshold, value->diverged, value->runs, mse_text(value->final_val),
              norm ? fmt::format(" (norm clipping's best: {})", mse_text(norm->final_val)) : "",
              divergence_text(outcomes, "value")));
  }
}

std::unique_ptr<Experiment> clipping() { return std::make_unique<Clipping>(); }

}  // namespace unroll::lab
