// tbptt: what truncating backpropagation through time costs. The truncation window k (the
// gradient never crosses a window's border; the state does, detached) against
//   - the character language model's validation bits per character. Every k trains the same
//     steps on the same characters per step, C = B · k (B = C / k streams), so only where the
//     gradient is cut differs; every model is validated on the same windows, of the longest k;
//   - the adding problem at T = 100 (an LSTM): the first marker sits at t₁ ~ U[0, T/2), so a
//     window of the last k steps reaches it in a fraction max(0, k − T/2) / (T/2) of the
//     sequences (all of them once k ≥ T).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "lab/experiments/adding_runs.hpp"
#include "lab/experiments/char_lm_runs.hpp"
#include "lab/experiments/experiments.hpp"
#include "models/tasks/adding.hpp"
#include "plot/line_plot.hpp"

namespace unroll::lab {
namespace {

constexpr std::size_t kCharHidden = 64, kCharEmbed = 32, kAddingHidden = 32;
constexpr double kSolved = 0.01;  // solved: final validation MSE below 1 % of the baseline 1/6

struct Size {
  std::vector<std::size_t> windows;
  std::size_t adding_length, adding_steps, adding_log_every, seeds;
};

Size size_of(Scale scale) {
  switch (scale) {
    case Scale::Quick:
      return {{4, 8, 16, 32}, 20, 100, 20, 1};
    case Scale::Full:
      return {{8, 16, 32, 64, 128}, 100, 4000, 100, 5};
    default:
      return {{8, 16, 32, 64, 128}, 100, 2000, 100, 2};
  }
}

// C, the characters of every char-LM step: the scale's B × seq.
std::size_t chars_per_step(Scale scale) {
  const CharLMScale z = char_lm_scale(scale);
  return z.batch * z.seq;
}

// The fraction of adding sequences of length T whose first marker (t₁ ~ U[0, ⌊T/2⌋)) lies in
// the last k steps: #{t₁ ≥ T − k} / ⌊T/2⌋.
double first_marker_reached(std::size_t k, std::size_t length) {
  const double half = static_cast<double>(length / 2);
  const double from = k >= length ? 0.0 : static_cast<double>(length - k);
  return std::clamp((half - from) / half, 0.0, 1.0);
}

// The cells of `row` named by `columns` (from, to), renamed and in that order: both parts of
// the experiment write the same columns (char-LM validation in bits per character, adding's MSE).
Row pick(const Row& row, const std::vector<std::pair<std::string, std::string>>& columns) {
  Row out;
  for (const auto& [from, to] : columns)
    for (const auto& [column, value] : row)
      if (column == from) out.emplace_back(to, value);
  return out;
}

class Tbptt : public Experiment {
 public:
  std::string name() const override { return "tbptt"; }
  std::string question() const override {
    return "What does truncating backpropagation through time cost? The gradient flows back "
           "through windows of k steps only (the state carries across, detached): validation "
           "bits per character of a character LSTM language model, and whether an LSTM solves "
           "the adding problem, against k.";
  }
  std::size_t default_seeds(Scale scale) const override { return size_of(scale).seeds; }

  std::vector<Setting> grid(Scale scale) const override {
    const Size z = size_of(scale);
    const CharLMScale c = char_lm_scale(scale);
    std::vector<Setting> grid;
    for (std::size_t k : z.windows)
      grid.push_back({fmt::format("char-lm k={}", k),
                      {{"task", "char_lm"},
                       {"window", std::to_string(k)},
                       {"hidden", std::to_string(kCharHidden)},
                       {"batch", std::to_string(chars_per_step(scale) / k)},
                       {"length", "-"},
                       {"steps", std::to_string(c.steps)}}});
    for (std::size_t k : z.windows)
      grid.push_back({fmt::format("adding k={}", k),
                      {{"task", "adding"},
                       {"window", std::to_string(k)},
                       {"hidden", std::to_string(kAddingHidden)},
                       {"batch", "32"},
                       {"length", std::to_string(z.adding_length)},
                       {"steps", std::to_string(z.adding_steps)}}});
    return grid;
  }

  std::vector<Row> run(const Setting& s, const RunContext& context) const override {
    const std::size_t window = std::stoul(s.value("window"));
    const std::size_t steps = std::stoul(s.value("steps"));
    std::vector<Row> rows;
    if (s.value("task") == "char_lm") {
      CharLMConfig config;
      config.cell = "lstm";
      config.layers = 1;
      config.hidden = std::stoul(s.value("hidden"));
      config.embed = kCharEmbed;
      const CharLMOverrides overrides{window, std::stoul(s.value("batch")),
                                      size_of(context.scale).windows.back()};
      for (const auto& r : train_char_lm(config, steps, context, overrides))
        rows.push_back(
            pick(r, {{"step", "step"}, {"train_loss", "train_loss"}, {"val_bpc", "val_loss"}}));
      return rows;
    }
    AddingRun run;
    run.cell = "lstm";
    run.hidden = std::stoul(s.value("hidden"));
    run.batch = std::stoul(s.value("batch"));
    run.length = std::stoul(s.value("length"));
    run.steps = steps;
    run.window = window;
    run.log_every = size_of(context.scale).adding_log_every;
    run.trainer.optimizer = "adam";
    run.trainer.lr = 1e-2;
    run.trainer.clip_norm = 1.0;
    for (const auto& r : train_adding(run, context))
      rows.push_back(
          pick(r, {{"step", "step"}, {"train_loss", "train_loss"}, {"val_loss", "val_loss"}}));
    return rows;
  }

  void report(const Table& results, Scale scale, Report& report) const override;
};

// One window of one part over its seeds: the validation loss per step (the mean over seeds for
// bits per character; for adding the geometric mean, the MSE spanning decades) and at the end;
// for adding, the runs solved.
struct Curve {
  double window = 0;
  std::size_t steps = 0, runs = 0, solved = 0;
  std::vector<double> step, val;
  double final_val = 0;
};

Curve curve_of(const Table& rows, bool adding) {
  Curve c;
  c.window = rows.number_at(0, "window");
  c.steps = static_cast<std::size_t>(rows.number_at(0, "steps"));
  for (const auto& step : rows.distinct("step")) {
    const Table at = rows.select({{"step", step}});
    double sum = 0;
    for (std::size_t i = 0; i < at.size(); ++i) {
      const double v = at.number_at(i, "val_loss");
      sum += adding ? std::log(v) : v;
    }
    const double mean = sum / static_cast<double>(at.size());
    c.step.push_back(std::stod(step));
    c.val.push_back(adding ? std::exp(mean) : mean);
  }
  c.final_val = c.val.back();
  if (!adding) return c;
  const double solved_below = kSolved * tasks::Adding::baseline_mse();
  for (const auto& seed : rows.distinct("seed")) {
    const Table run = rows.select({{"seed", seed}});
    ++c.runs;
    c.solved += run.number_at(run.size() - 1, "val_loss") < solved_below;
  }
  return c;
}

std::vector<Curve> curves_of(const Table& results, const std::string& task) {
  std::vector<Curve> curves;
  const Table rows = results.select({{"task", task}});
  if (rows.empty()) return curves;
  for (const auto& k : rows.distinct("window"))
    curves.push_back(curve_of(rows.select({{"window", k}}), task == "adding"));
  return curves;
}

std::string windows_text(const std::vector<Curve>& curves, const std::string& format) {
  std::vector<std::string> parts;
  for (const auto& c : curves)
    parts.push_back(
        fmt::format("k = {}: {}", c.window, fmt::format(fmt::runtime(format), c.final_val)));
  return fmt::format("{}", fmt::join(parts, ", "));
}

void report_char_lm(const std::vector<Curve>& curves, const Table& results, Scale scale,
                    Report& report) {
  const CharLMScale z = char_lm_scale(scale);
  report.heading("Character language model");
  report.paragraph(fmt::format(
      "A one-layer LSTM (H = {}, embedding {}) on the lab's text; every window k trains {} "
      "steps of the same C = {} characters each, in B = C / k char-rnn streams whose states "
      "carry from window to window (detached). Validation: bits per character on the first {} "
      "characters of the held-out 10 %, in windows of {} from a zero state for every k. Adam "
      "2e-3, clip-norm 5. Seeds: {}; the table and figures show their mean.",
      kCharHidden, kCharEmbed, z.steps, chars_per_step(scale), z.validation_chars,
      size_of(scale).windows.back(),
      results.select({{"task", "char_lm"}}).distinct("seed").size()));
  plot::LinePlot by_step, by_window;
  by_step.title("Char-LM: validation loss against steps")
      .x_label("step")
      .y_label("validation bits per character");
  by_window.title("Char-LM: final validation loss against the truncation window")
      .x_label("truncation window k (steps)")
      .y_label("validation bits per character")
      .log_x();
  std::vector<std::vector<std::string>> rows;
  std::vector<double> ks, finals;
  for (const auto& c : curves) {
    by_step.add_series(fmt::format("k = {}", c.window), c.step, c.val, plot::Marks::lines_points);
    ks.push_back(c.window), finals.push_back(c.final_val);
    rows.push_back({number(c.window),
                    std::to_string(chars_per_step(scale) / static_cast<std::size_t>(c.window)),
                    fmt::format("{:.3f}", c.final_val)});
  }
  by_window.add_series("final validation bpc", ks, finals, plot::Marks::lines_points);
  report.table({"window k", "streams B", "final validation bpc"}, rows);
  by_step.write(report.figure_path("char-lm-by-step"));
  report.figure("char-lm-by-step", "Validation bits per character as training proceeds");
  by_window.write(report.figure_path("char-lm-by-window"));
  report.figure("char-lm-by-window", "The final validation loss against k");
}

void report_adding(const std::vector<Curve>& curves, const Table& results, Report& report) {
  const std::size_t length =
      static_cast<std::size_t>(results.select({{"task", "adding"}}).number_at(0, "length"));
  const double baseline = tasks::Adding::baseline_mse();
  report.heading("Adding problem");
  report.paragraph(fmt::format(
      "An LSTM (H = {}) with a linear head on its last state, the adding problem at T = {}, "
      "Adam 1e-2, clip-norm 1, batches of 32, {} steps. The loss is at the last step only, so a "
      "window k is the gradient through the last k steps (the first T − k run off the tape and "
      "hand their state on). **Solved**: final validation MSE below {} × the baseline 1/6 "
      "({:.4f}). Always answering 1 scores 1/6; using only the second marked value, at best "
      "1/12 = Var(u₁). Seeds: {}; the table and figures show their geometric mean.",
      kAddingHidden, length, curves.front().steps, number(kSolved), kSolved * baseline,
      results.select({{"task", "adding"}}).distinct("seed").size()));
  plot::LinePlot by_step, by_window;
  by_step.title(fmt::format("Adding (T = {}): validation MSE against steps", length))
      .x_label("step")
      .y_label("validation MSE")
      .log_y();
  by_window.title(fmt::format("Adding (T = {}): final validation MSE against the window", length))
      .x_label("truncation window k (steps)")
      .y_label("final validation MSE")
      .log_x()
      .log_y();
  std::vector<std::vector<std::string>> rows;
  std::vector<double> ks, finals;
  for (const auto& c : curves) {
    const auto k = static_cast<std::size_t>(c.window);
    by_step.add_series(fmt::format("k = {}", k), c.step, c.val, plot::Marks::lines);
    ks.push_back(c.window), finals.push_back(c.final_val);
    rows.push_back({std::to_string(k),
                    fmt::format("{:.0f} %", 100 * first_marker_reached(k, length)),
                    fmt::format("{:.4g}", c.final_val), fmt::format("{} of {}", c.solved, c.runs)});
  }
  by_window.add_series("final validation MSE", ks, finals, plot::Marks::lines_points);
  const std::vector<double> span{ks.front(), ks.back()};
  by_window.add_series("always 1: 1/6", span, std::vector<double>(2, baseline), plot::Marks::lines);
  by_window.add_series("second value only: 1/12", span, std::vector<double>(2, baseline / 2),
                       plot::Marks::lines);
  by_window.add_series(fmt::format("solved: below {} % of 1/6", number(100 * kSolved)), span,
                       std::vector<double>(2, kSolved * baseline), plot::Marks::lines);
  report.table(
      {"window k", "sequences whose 1st marker it reaches", "final validation MSE", "solved"},
      rows);
  by_step.write(report.figure_path("adding-by-step"));
  report.figure("adding-by-step", "Validation MSE as training proceeds, one line per window");
  by_window.write(report.figure_path("adding-by-window"));
  report.figure("adding-by-window",
                "The final validation MSE against k, with the reference levels");
}

}  // namespace

void Tbptt::report(const Table& results, Scale scale, Report& report) const {
  const std::vector<Curve> lm = curves_of(results, "char_lm");
  const std::vector<Curve> adding = curves_of(results, "adding");
  if (!lm.empty()) report_char_lm(lm, results, scale, report);
  if (!adding.empty()) report_adding(adding, results, report);
  report.heading("Findings");
  if (lm.size() > 1) {
    bool falls = true;
    for (std::size_t i = 1; i < lm.size(); ++i)
      falls = falls && lm[i].final_val < lm[i - 1].final_val;
    report.finding(
        "a longer truncation window gives a lower validation loss (here at equal "
        "steps and characters per step)",
        "Williams & Peng 1990; Tallec & Ollivier 2017", falls,
        fmt::format("Final validation bits per character: {}.", windows_text(lm, "{:.3f}")));
  }
  if (adding.empty()) return;
  const std::size_t length =
      static_cast<std::size_t>(results.select({{"task", "adding"}}).number_at(0, "length"));
  const double baseline = tasks::Adding::baseline_mse();
  bool short_fail = true, long_solve = true, short_above_half = true;
  std::vector<Curve> shorts;  // the windows that reach no first marker
  std::size_t longs = 0;
  for (const auto& c : adding) {
    const double reached = first_marker_reached(static_cast<std::size_t>(c.window), length);
    if (reached == 0) {
      shorts.push_back(c);
      short_fail = short_fail && 2 * c.solved <= c.runs;
      short_above_half = short_above_half && c.final_val >= baseline / 2;
    } else if (reached == 1) {
      ++longs;
      long_solve = long_solve && 2 * c.solved > c.runs;
    }
  }
  std::vector<std::string> solved;
  for (const auto& c : adding)
    solved.push_back(fmt::format("k = {}: {} of {}", c.window, c.solved, c.runs));
  if (!shorts.empty() && longs > 0)
    report.finding(
        fmt::format("the long-range task is solved only when the window covers the dependency "
                    "(k ≥ T = {} reaches every first marker; k ≤ T/2 none)",
                    length),
        "Williams & Peng 1990; the lecture's account of truncated BPTT", short_fail && long_solve,
        fmt::format("Runs solved: {}.", fmt::join(solved, ", ")));
  if (!shorts.empty())
    report.finding(
        "a window that never reaches the first marker cannot learn to carry its value: the "
        "validation MSE stays at or above 1/12, the best use of the second value alone",
        "the lecture's account of truncated BPTT", short_above_half,
        fmt::format("Final validation MSE (1/12 = {:.4f}): {}.{}", baseline / 2,
                    windows_text(shorts, "{:.4g}"),
                    short_above_half
                        ? ""
                        : " Below 1/12 the net carries the first value, though no gradient "
                          "ever reached it (likely because the weights are shared across steps: "
                          "what they learned within the window, storing the second value, "
                          "stores the first one too)."));
}

std::unique_ptr<Experiment> tbptt() { return std::make_unique<Tbptt>(); }

}  // namespace unroll::lab
