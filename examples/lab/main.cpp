// lab: the lecture's claims about recurrent nets, measured, plotted and set beside the literature.
//
//   lab list
//   lab run EXPERIMENT... [--quick | --full] [--seeds N] [--threads N] [--out DIR]
//   lab all [--quick | --full] [--seeds N] [--threads N] [--out DIR]
//   lab report EXPERIMENT... [--out DIR]      (plots and report.md again from results.csv)
//
// Each experiment writes DIR/<name>/results.csv, its figures (SVG and PNG) and report.md; `all`
// also writes DIR/index.md. Every failure exits non-zero with one line on stderr.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "examples/charlm/default_corpus.hpp"
#include "framework/errors.hpp"
#include "framework/gemm.hpp"
#include "framework/io/atomic_file.hpp"
#include "lab/experiment.hpp"
#include "lab/runner.hpp"
#include "models/text/corpus.hpp"
#include "models/text/utf8.hpp"

using namespace unroll;
using namespace unroll::lab;

namespace {

const Experiment& find_experiment(const std::vector<std::unique_ptr<Experiment>>& all,
                                  const std::string& name) {
  std::vector<std::string> names;
  for (const auto& e : all) {
    if (e->name() == name) return *e;
    names.push_back(e->name());
  }
  throw ValueError(fmt::format("no experiment '{}' (there are: {})", name, fmt::join(names, ", ")));
}

std::string first_sentence(const std::string& text) {
  const auto end = text.find("? ");
  const auto dot = text.find(". ");
  const auto cut = std::min(end == std::string::npos ? text.size() : end + 1,
                            dot == std::string::npos ? text.size() : dot + 1);
  return text.substr(0, cut);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"lab: the lecture's claims about recurrent nets, measured and plotted"};
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("lab: {} (see --help)\n", e.what());
  });
  std::vector<std::string> names;
  bool quick = false, full = false;
  std::size_t seeds = 0;  // 0: each experiment's own default
  int threads = 1;
  std::string out = "lab-results", data;
  auto add_scale = [&](CLI::App* cmd) {
    auto* q = cmd->add_flag("--quick", quick, "seconds per experiment (what the tests run)");
    cmd->add_flag("--full", full, "a larger scale where it tells more")->excludes(q);
    cmd->add_option("--seeds", seeds,
                    "seeds 1..N per setting (default: the experiment's own, 1 for most)")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--threads", threads, "compute threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    cmd->add_option("--out", out, "folder of the results: OUT/<experiment>/")
        ->capture_default_str();
    cmd->add_option("--data", data,
                    "UTF-8 text for the character-LM experiments (default: the embedded corpus, "
                    "this project's own source and documentation)");
  };
  auto* list = app.add_subcommand("list", "the experiments and what each asks");
  auto* run = app.add_subcommand("run", "run experiments: results.csv, figures, report.md");
  run->add_option("experiments", names, "experiment names (see list)")->required();
  add_scale(run);
  auto* all = app.add_subcommand("all", "run every experiment and write OUT/index.md");
  add_scale(all);
  auto* report = app.add_subcommand(
      "report", "make figures and report.md again from results.csv and run.json (no training)");
  report->add_option("experiments", names, "experiment names")->required();
  report->add_option("--out", out, "folder of the results")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    const auto experiments = all_experiments();
    if (*list) {
      for (const auto& e : experiments)
        fmt::print("{:<16} {}\n", e->name(), first_sentence(e->question()));
      return 0;
    }
    const Scale scale = quick ? Scale::Quick : full ? Scale::Full : Scale::Default;
    if (*report) {
      for (const auto& name : names) {
        const Experiment& e = find_experiment(experiments, name);
        const std::string folder = out + "/" + name;
        const Table results = Table::parse_csv(slurp(folder + "/results.csv"));
        const RunRecord record = read_run_record(folder);
        write_report(e, results, record.scale, folder, record.runs, record.finished);
        fmt::print("{}/report.md\n", folder);
      }
      return 0;
    }
    set_compute_threads(threads);
    if (*all) {
      names.clear();
      for (const auto& e : experiments) names.push_back(e->name());
    }
    for (const auto& name : names) find_experiment(experiments, name);  // every name, first
    const std::u32string text = data.empty() ? decode_utf8(default_corpus()) : read_text_file(data);
    std::vector<RunSummary> summaries;
    for (const auto& name : names) {
      const Experiment& e = find_experiment(experiments, name);
      summaries.push_back(run_experiment(e, {scale, seeds, out + "/" + name, stdout, &text}));
      if (summaries.back().interrupted) break;
    }
    if (*all) {
      write_index(out, std::vector<std::string>(names.begin(), names.begin() + summaries.size()),
                  summaries);
      fmt::print("{}/index.md\n", out);
    }
    return summaries.empty() || !summaries.back().interrupted ? 0 : 130;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "lab: {}\n", e.what());
    return 1;
  }
}
