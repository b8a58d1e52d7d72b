// long-range's report: how far each model reached on each task, the test metric against T, the
// gradient against distance, and the findings, all from results.csv.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <map>

#include "lab/experiments/long_range.hpp"
#include "models/tasks/adding.hpp"
#include "plot/line_plot.hpp"

namespace unroll::lab {
namespace {

// One (task, model): what it reached, as the mean over seeds.
struct Reach {
  std::string model, cell, skip;
  bool attention = false;
  std::vector<double> lengths, metric;  // every T tried, the mean test metric there
  double longest = 0;                   // the longest T solved (0: none)
  double steps = NAN;                   // the steps that solved it
  double first_failure = NAN;           // the first T not solved (NaN: every T was)
  double failed_metric = NAN;           // the metric there (NaN when it diverged)
};

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x / static_cast<double>(v.size());
  return v.empty() ? NAN : s;
}

std::vector<Reach> reaches(const Table& solve, const std::string& task) {
  std::vector<Reach> out;
  const Table rows = solve.select({{"task", task}});
  for (const auto& model : rows.distinct("model")) {
    const Table m = rows.select({{"model", model}});
    Reach r;
    r.model = model, r.cell = m.at(0, "cell"), r.skip = m.at(0, "skip");
    r.attention = m.at(0, "attention") == "true";
    std::vector<double> longest, steps, failure, failed;
    for (const auto& seed : m.distinct("seed")) {
      const Table s = m.select({{"seed", seed}});
      double best = 0, best_steps = NAN;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (s.at(i, "solved") == "true") {
          best = s.number_at(i, "length"), best_steps = s.number_at(i, "steps");
        } else {
          failure.push_back(s.number_at(i, "length"));
          failed.push_back(s.number_at(i, "metric"));
        }
      }
      longest.push_back(best);
      if (best > 0) steps.push_back(best_steps);
    }
    r.longest = mean(longest), r.steps = mean(steps);
    r.first_failure = mean(failure), r.failed_metric = mean(failed);
    for (const auto& T : m.distinct("length")) {
      const Table at = m.select({{"length", T}});
      std::vector<double> v;
      for (std::size_t i = 0; i < at.size(); ++i) v.push_back(at.number_at(i, "metric"));
      r.lengths.push_back(std::stod(T));
      r.metric.push_back(mean(v));
    }
    out.push_back(std::move(r));
  }
  return out;
}

const Reach* find(const std::vector<Reach>& rs, const std::string& model) {
  for (const auto& r : rs)
    if (r.model == model) return &r;
  return nullptr;
}

// At the same first unsolved T, a clearly better metric counts as a longer reach: an MSE below
// this fraction of the other's, or an accuracy higher by this much.
constexpr double kClearlyLowerMSE = 0.8, kClearlyHigherAccuracy = 0.05;

// > 0 when a bridged a longer gap than b: the longer T solved; at the same T, a clearly better
// metric at the same first unsolved T (a diverged run is the worst); else 0.
int compare(const Reach& a, const Reach& b, bool adding) {
  if (a.longest != b.longest) return a.longest > b.longest ? 1 : -1;
  if (!(a.first_failure == b.first_failure)) return 0;
  const double x = a.failed_metric, y = b.failed_metric;
  if (std::isnan(x) || std::isnan(y))
    return std::isnan(x) == std::isnan(y) ? 0 : std::isnan(x) ? -1 : 1;
  auto clearly_better = [&](double p, double q) {
    return adding ? p < kClearlyLowerMSE * q : p > q + kClearlyHigherAccuracy;
  };
  return clearly_better(x, y) ? 1 : clearly_better(y, x) ? -1 : 0;
}

std::string g3(double v) { return std::isfinite(v) ? fmt::format("{:.3g}", v) : "—"; }
std::string length_text(double T) { return T > 0 ? g3(T) : "none"; }

// "lstm T = 50 (MSE 0.0123 at T = 100)": the longest T solved and the metric where it failed.
std::string describe(const Reach& r, bool adding) {
  std::string s =
      fmt::format("{} {}", r.model, r.longest > 0 ? fmt::format("T = {}", g3(r.longest)) : "none");
  if (std::isfinite(r.first_failure))
    s += fmt::format(" ({} {} at T = {})", adding ? "MSE" : "accuracy", g3(r.failed_metric),
                     g3(r.first_failure));
  return s;
}

// The skip (or attention) variants of a task set against their plain cell: how many went
// farther, as far, and less far; and the pairs, described.
struct Tally {
  int farther = 0, same = 0, shorter = 0;
  std::vector<std::string> pairs;
};
void tally(const std::vector<Reach>& rs, bool adding, bool attention, Tally& t) {
  for (const auto& r : rs) {
    if (attention ? !r.attention : r.skip == "none") continue;
    const Reach* plain = find(rs, r.cell);
    if (!plain) continue;
    const int c = compare(r, *plain, adding);
    ++(c > 0 ? t.farther : c == 0 ? t.same : t.shorter);
    t.pairs.push_back(fmt::format("{} {} {}", describe(r, adding),
                                  c > 0    ? "beyond"
                                  : c == 0 ? "level with"
                                           : "short of",
                                  describe(*plain, adding)));
  }
}

void plot_lengths(const std::vector<Reach>& rs, bool adding, const std::vector<double>& lengths,
                  Report& report) {
  plot::LinePlot p;
  p.title(adding ? "Adding problem: test MSE relative to the baseline 1/6, against T"
                 : "Copy memory: accuracy on the ten recalled symbols, against T")
      .x_label(adding ? "sequence length T" : "delay T (sequences of T + 20)")
      .y_label(adding ? "test MSE / 0.167" : "recall accuracy")
      .log_x()
      .x_ticks(lengths);
  if (adding)
    p.log_y();
  else
    p.y_range(0, 1);
  const double threshold = adding ? adding_threshold() : copy_threshold();
  for (const auto& r : rs) {
    std::vector<double> y = r.metric;
    if (adding)
      for (double& v : y) v /= tasks::Adding::baseline_mse();
    p.add_series(r.model, r.lengths, y);
  }
  const std::vector<double> span{lengths.front(), lengths.back()};
  p.add_series(fmt::format("solved {} {}", adding ? "below" : "above", threshold), span,
               std::vector<double>(2, threshold), plot::Marks::lines);
  if (!adding) p.add_series("chance 1/8", span, std::vector<double>(2, 0.125), plot::Marks::lines);
  const std::string name = adding ? "adding-by-length" : "copy-by-length";
  p.write(report.figure_path(name));
  report.figure(name, adding ? "Adding: the test MSE at every T tried, relative to always "
                               "predicting 1; a model's series ends at its first failure"
                             : "Copy memory: the recall accuracy at every T tried");
}

// ‖g_d‖ / ‖g_0‖ per model (geometric mean over seeds), from the gradient rows.
struct Gradient {
  std::string model, cell, skip;
  std::vector<double> distance, relative;
};
std::vector<Gradient> gradients(const Table& rows) {
  std::vector<Gradient> out;
  for (const auto& model : rows.distinct("model")) {
    const Table m = rows.select({{"model", model}});
    Gradient g;
    g.model = model, g.cell = m.at(0, "cell"), g.skip = m.at(0, "skip");
    std::map<double, double> log_sum;  // distance → Σ_seeds log(‖g_d‖ / ‖g_0‖)
    const auto seeds = m.distinct("seed");
    for (const auto& seed : seeds) {
      const Table s = m.select({{"seed", seed}});
      const double g0 = s.select({{"distance", "0"}}).number_at(0, "grad_norm");
      for (std::size_t i = 0; i < s.size(); ++i)
        log_sum[s.number_at(i, "distance")] += std::log(s.number_at(i, "grad_norm") / g0);
    }
    for (const auto& [d, l] : log_sum) {
      g.distance.push_back(d);
      g.relative.push_back(std::exp(l / static_cast<double>(seeds.size())));
    }
    out.push_back(std::move(g));
  }
  return out;
}

void plot_gradients(const std::vector<Gradient>& gs, Report& report) {
  for (const bool gated : {false, true}) {
    plot::LinePlot p;
    p.title(gated ? "LSTM and GRU: the adding loss's gradient against distance, at init"
                  : "tanh RNN and IRNN: the adding loss's gradient against distance, at init")
        .x_label("distance d = T − 1 − t")
        .y_label("‖∂L/∂h_t‖ / ‖∂L/∂h_T‖")
        .log_y();
    for (const auto& g : gs)
      if ((g.cell == "lstm" || g.cell == "gru") == gated)
        p.add_series(g.model, g.distance, g.relative, plot::Marks::lines);
    const std::string name = gated ? "gradient-gated" : "gradient-rnn";
    p.write(report.figure_path(name));
    report.figure(name, gated ? "Gated cells: how much of the gradient at the last step reaches "
                                "each earlier step"
                              : "RNN cells: how much of the gradient at the last step reaches "
                                "each earlier step");
  }
}

}  // namespace

void long_range_report(const Table& results, Scale scale, Report& report) {
  const LongRangeScale z = long_range_scale(scale);
  const Table solve = results.select({{"measure", "solve"}});
  const Table gradient_rows = results.select({{"measure", "gradient"}});
  const double probe_length = gradient_rows.empty() ? 0 : gradient_rows.number_at(0, "length");
  report.heading("Setup");
  report.paragraph(fmt::format(
      "One recurrent layer of H = {} units (the dilated stacks: 4 layers reading h_(t−1), "
      "h_(t−2), h_(t−4), h_(t−8)), a linear readout from the last state (adding) or from "
      "every step (copy); `+ attention` adds to the readout a context Σ_t α_t h_t over every "
      "step's output (general score, the query the readout's own state). Output skips mix "
      "h_t = ½ o_t + ½ o_(t−k) from step k on (so at T ≤ k the model is its plain cell). IRNN: "
      "relu, W_hh = I, zero biases (Le, Jaitly & Hinton 2015); "
      "LSTMs start with forget bias 1. Adam at learning rate {}, gradient norm clipped at {}, "
      "batches of {}; lengths T ∈ {{{}}}; seeds: {}.",
      z.hidden, z.budget.lr, z.budget.clip_norm, z.budget.batch, fmt::join(z.lengths, ", "),
      results.distinct("seed").size()));
  report.paragraph(fmt::format(
      "**Solved**: on the adding problem, a test MSE below {} × 0.167 (the baseline of always "
      "predicting 1), i.e. below {:.4f}; on copy memory, at least {} of the ten recalled symbols "
      "right (chance: 1/8) — both on a test batch of {} sequences never trained on. **Stopping**: "
      "a model trains at each T from scratch, is tested every {} steps and stops as soon as it "
      "solves the task, or after {} steps; the first T it does not solve ends its run, so the "
      "longer lengths are never tried. A model that solved no T shows the metric it reached at "
      "T = {}. **Comparing** two models: the one that solved the longer T reached farther; at the "
      "same T, "
      "the one whose metric at the first T neither solved is clearly better (an MSE below {} of "
      "the other's, an accuracy higher by {}); else they are level.",
      adding_threshold(), adding_threshold() * tasks::Adding::baseline_mse(), copy_threshold(),
      z.budget.test_batch, z.budget.eval_every, z.budget.max_steps, z.lengths.front(),
      kClearlyLowerMSE, kClearlyHigherAccuracy));

  report.heading("How far each model reached");
  const auto adding = reaches(solve, "adding");
  const auto copy = reaches(solve, "copy");
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : adding) {
    const Reach* c = find(copy, a.model);
    rows.push_back({a.model, length_text(a.longest), g3(a.steps), g3(a.failed_metric),
                    c ? length_text(c->longest) : "—", c ? g3(c->failed_metric) : "—"});
  }
  report.table({"model", "adding: longest T solved", "steps there", "MSE at the first T not solved",
                "copy: longest T solved", "accuracy at the first T not solved"},
               rows);
  const std::vector<double> lengths(z.lengths.begin(), z.lengths.end());
  if (!adding.empty()) plot_lengths(adding, true, lengths, report);
  if (!copy.empty()) plot_lengths(copy, false, lengths, report);

  const auto gs = gradients(gradient_rows);
  if (!gs.empty()) {
    report.heading("Does a skip carry the gradient back?");
    report.paragraph(fmt::format(
        "‖∂L/∂h_t‖ of the first layer's state at every step t, for L the MSE of one adding "
        "batch of {} sequences of T = {} at initialization (batch mean of each row's norm), "
        "relative to its value at the last step.",
        z.budget.test_batch, probe_length));
    std::vector<std::vector<std::string>> g_rows;
    for (const auto& g : gs)
      g_rows.push_back({g.model, g3(g.relative[g.relative.size() / 2]), g3(g.relative.back())});
    report.table({"model", fmt::format("at d = {}", gs[0].distance[gs[0].distance.size() / 2]),
                  fmt::format("at d = {}", gs[0].distance.back())},
                 g_rows);
    plot_gradients(gs, report);
  }

  report.heading("Findings");
  for (const auto& [task, rs] : {std::pair{"adding", &adding}, std::pair{"copy", &copy}}) {
    const bool is_adding = std::string(task) == "adding";
    const Reach* rnn = find(*rs, "rnn");
    const Reach* lstm = find(*rs, "lstm");
    const Reach* gru = find(*rs, "gru");
    if (rnn && lstm && gru)
      report.finding(fmt::format("LSTM and GRU bridge longer gaps than a tanh RNN ({})",
                                 is_adding ? "adding problem" : "copy memory"),
                     is_adding ? "Hochreiter & Schmidhuber 1997; Chung et al. 2014"
                               : "Hochreiter & Schmidhuber 1997; Arjovsky, Shah & Bengio 2016",
                     compare(*lstm, *rnn, is_adding) > 0 && compare(*gru, *rnn, is_adding) > 0,
                     fmt::format("{}; {}; {}.", describe(*lstm, is_adding),
                                 describe(*gru, is_adding), describe(*rnn, is_adding)));
  }
  if (const Reach* irnn = find(adding, "irnn"), *rnn = find(adding, "rnn"); irnn && rnn)
    report.finding(
        "an IRNN (relu, identity W_hh) bridges longer gaps than a tanh RNN on the "
        "adding problem",
        "Le, Jaitly & Hinton 2015", compare(*irnn, *rnn, true) > 0,
        fmt::format("{}; {}.", describe(*irnn, true), describe(*rnn, true)));
  for (const bool attention : {false, true}) {
    Tally t;
    tally(adding, true, attention, t);
    tally(copy, false, attention, t);
    if (t.pairs.empty()) continue;
    report.finding(
        attention ? "an attention readout over every step bridges longer gaps than the same "
                    "cell's recurrent path alone"
                  : "temporal skips (output skips of distance k, dilations) let a cell bridge "
                    "longer gaps than without",
        attention ? "Bahdanau, Cho & Bengio 2015" : "Zhang et al. 2016; Chang et al. 2017",
        t.farther > t.shorter,
        fmt::format("Over both tasks, {} variant(s) reached farther than their plain cell, {} "
                    "as far and {} less far (confirmed when more reach farther than less far): "
                    "{}.",
                    t.farther, t.same, t.shorter, fmt::join(t.pairs, "; ")));
  }
  std::vector<std::string> kept;
  bool all_more = true;
  for (const auto& g : gs) {
    if (g.skip == "none") continue;
    for (const auto& plain : gs)
      if (plain.model == g.cell) {
        all_more = all_more && g.relative.back() > plain.relative.back();
        kept.push_back(fmt::format("{} {} against {} {}", g.model, g3(g.relative.back()),
                                   plain.model, g3(plain.relative.back())));
      }
  }
  if (!kept.empty())
    report.finding(
        "a temporal skip carries more of the gradient back to the earliest steps than the same "
        "cell without it",
        "Zhang et al. 2016; Chang et al. 2017", all_more,
        fmt::format("‖∂L/∂h_t‖ / ‖∂L/∂h_T‖ at d = {}: {}.", gs[0].distance.back(),
                    fmt::join(kept, "; ")));
}

}  // namespace unroll::lab
