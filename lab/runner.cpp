#include "lab/runner.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "framework/errors.hpp"
#include "framework/io/atomic_file.hpp"
#include "models/training/interrupt.hpp"
#include "models/training/progress.hpp"

namespace unroll::lab {
namespace fs = std::filesystem;
namespace {

void write_record(const RunOptions& options, std::size_t seeds, const RunSummary& summary) {
  const nlohmann::json j = {{"scale", scale_name(options.scale)},
                            {"seeds", seeds},
                            {"runs", summary.runs},
                            {"finished", summary.finished}};
  io::write_file_atomically(options.out + "/run.json", j.dump(2) + "\n", "lab run record");
}

}  // namespace

const char* scale_name(Scale scale) {
  switch (scale) {
    case Scale::Quick:
      return "quick";
    case Scale::Default:
      return "default";
    case Scale::Full:
      return "full";
  }
  return "?";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io::FileError(fmt::format("cannot read '{}' (run the experiment first)", path));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

RunRecord read_run_record(const std::string& folder) {
  const std::string path = folder + "/run.json";
  try {
    const auto j = nlohmann::json::parse(slurp(path));
    const std::string scale = j.at("scale");
    RunRecord r;
    r.scale = scale == "quick" ? Scale::Quick : scale == "full" ? Scale::Full : Scale::Default;
    r.runs = j.at("runs");
    r.finished = j.at("finished");
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(fmt::format("'{}' is not a lab run record: {}", path, e.what()));
  }
}

const std::string& Setting::value(const std::string& column) const {
  for (const auto& [c, v] : columns)
    if (c == column) return v;
  throw ValueError(fmt::format("setting '{}' has no column '{}'", label, column));
}

Report write_report(const Experiment& experiment, const Table& results, Scale scale,
                    const std::string& folder, std::size_t runs, std::size_t finished,
                    const std::string& command) {
  Report report(experiment.name(), folder);
  report.paragraph(experiment.question());
  report.paragraph(
      fmt::format("Scale `{}`; {} of {} runs finished{}. Every number below is computed from "
                  "[results.csv](results.csv) ({} rows); `{}{}` makes them again.",
                  scale_name(scale), finished, runs, finished < runs ? " (interrupted)" : "",
                  results.size(), command.empty() ? "lab run " + experiment.name() : command,
                  scale == Scale::Default ? "" : std::string(" --") + scale_name(scale)));
  if (!results.empty()) experiment.report(results, scale, report);
  report.write();
  return report;
}

RunSummary run_experiment(const Experiment& experiment, const RunOptions& options) {
  std::error_code ec;
  fs::create_directories(options.out, ec);
  if (ec || !fs::is_directory(options.out))
    throw io::FileError(
        fmt::format("cannot create the folder '{}': {}", options.out, ec.message()));
  const auto grid = experiment.grid(options.scale);
  const std::size_t seeds =
      options.seeds > 0 ? options.seeds : experiment.default_seeds(options.scale);
  RunSummary summary;
  summary.runs = grid.size() * seeds;
  training::InterruptFlag interrupt;
  const bool live = isatty(fileno(options.log));
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  Table results;
  const std::string csv_path = options.out + "/results.csv";
  for (std::size_t seed = 1; seed <= seeds && !interrupt.raised(); ++seed) {
    for (const auto& setting : grid) {
      if (interrupt.raised()) break;
      const std::size_t index = summary.finished;
      RunContext context;
      context.scale = options.scale;
      context.seed = seed;
      context.text = options.text;
      bool cut = false;  // the run saw Ctrl-C and may have returned early
      context.stopped = [&] { return cut = cut || interrupt.raised(); };
      context.progress = [&](double fraction, const std::string& status) {
        const double done = static_cast<double>(index) + std::clamp(fraction, 0.0, 1.0);
        const double eta = done > 0 ? elapsed() / done * (summary.runs - done) : 0;
        const std::string line =
            fmt::format("{}: run {}/{} ({}, seed {})  {}  ETA {}", experiment.name(), index + 1,
                        summary.runs, setting.label, seed, status, training::format_duration(eta));
        if (live) fmt::print(options.log, "\r\033[K{}", line), std::fflush(options.log);
      };
      context.progress(0, "");
      std::vector<Row> rows;
      try {
        rows = experiment.run(setting, context);
      } catch (const std::exception& e) {
        if (live) fmt::print(options.log, "\n");
        if (summary.finished > 0)  // what finished is kept and reported
          write_report(experiment, Table::parse_csv(results.csv()), options.scale, options.out,
                       summary.runs, summary.finished, options.command);
        throw Error(fmt::format("{}: run {}/{} ({}, seed {}) failed: {}", experiment.name(),
                                index + 1, summary.runs, setting.label, seed, e.what()));
      }
      if (cut) break;  // a run cut short is not a result
      for (auto& row : rows) {
        Row full = setting.columns;
        full.emplace_back("seed", std::to_string(seed));
        full.insert(full.end(), row.begin(), row.end());
        results.add(full);
      }
      ++summary.finished;
      io::write_file_atomically(csv_path, results.csv(), "lab results");
      write_record(options, seeds, summary);
      if (!live)
        fmt::print(options.log, "{}: run {}/{} ({}, seed {}) done, {} s\n", experiment.name(),
                   summary.finished, summary.runs, setting.label, seed,
                   static_cast<long>(elapsed()));
      std::fflush(options.log);  // piped into a file or tee: each line as it happens
    }
  }
  if (live) fmt::print(options.log, "\n");
  summary.interrupted = summary.finished < summary.runs;
  if (summary.finished == 0) {  // nothing new: an earlier run's files stay as they were
    fmt::print(options.log, "interrupted: {}: no run finished; {} is unchanged\n",
               experiment.name(), options.out);
    return summary;
  }
  // The report reads the rows back as written: it can only show what results.csv holds.
  const Table written = Table::parse_csv(results.csv());
  const Report report = write_report(experiment, written, options.scale, options.out, summary.runs,
                                     summary.finished, options.command);
  summary.confirmed = report.confirmed();
  summary.not_confirmed = report.not_confirmed();
  summary.seconds = elapsed();
  summary.interrupted = summary.interrupted || interrupt.raised();
  fmt::print(options.log, "{}{}: {} of {} runs in {}; {} confirmed, {} not; {}/report.md\n",
             summary.interrupted ? "interrupted: " : "", experiment.name(), summary.finished,
             summary.runs, training::format_duration(summary.seconds), summary.confirmed,
             summary.not_confirmed, options.out);
  return summary;
}

void write_index(const std::string& folder, const std::vector<std::string>& names,
                 const std::vector<RunSummary>& summaries) {
  std::string md =
      "# The lab\n\n| experiment | runs | confirmed | not confirmed | time |\n"
      "|---|---:|---:|---:|---:|\n";
  for (std::size_t i = 0; i < names.size(); ++i)
    md += fmt::format("| [{0}]({0}/report.md) | {1}/{2} | {3} | {4} | {5} |\n", names[i],
                      summaries[i].finished, summaries[i].runs, summaries[i].confirmed,
                      summaries[i].not_confirmed, training::format_duration(summaries[i].seconds));
  io::write_file_atomically(folder + "/index.md", md, "lab index");
}

}  // namespace unroll::lab
