// Runs experiments: every setting of the grid for every seed, with a progress line across the
// runs (run i of n, what the current one reports, ETA), results.csv rewritten after each run —
// so Ctrl-C, which stops cleanly after (or inside) the current run, keeps every finished one —
// then the plots and report.md made from results.csv as written.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "lab/experiment.hpp"

namespace unroll::lab {

struct RunOptions {
  Scale scale = Scale::Default;
  std::size_t seeds = 0;    // seeds 1 .. seeds; 0: the experiment's default_seeds
  std::string out;          // the experiment's folder (results.csv, report.md, figures)
  std::FILE* log = stdout;  // progress and the summary
  const std::u32string* text = nullptr;  // the char-LM experiments' corpus
  std::string command = "";  // what the report says makes the results again; "": lab run NAME
};

struct RunSummary {
  std::size_t runs = 0, finished = 0;
  bool interrupted = false;
  std::size_t confirmed = 0, not_confirmed = 0;
  double seconds = 0;
};

// FileError when `options.out` cannot be created or written.
RunSummary run_experiment(const Experiment& experiment, const RunOptions& options);

// What <folder>/run.json records of a run: its scale and how many runs finished.
struct RunRecord {
  Scale scale = Scale::Default;
  std::size_t runs = 0, finished = 0;
};
// FileError when it cannot be read (run the experiment first), ValueError when malformed.
RunRecord read_run_record(const std::string& folder);
// The whole of a file; FileError naming it when it cannot be read.
std::string slurp(const std::string& path);

// Makes the plots and <folder>/report.md from `results` (no training); returns the report.
// `command` as in RunOptions.
Report write_report(const Experiment& experiment, const Table& results, Scale scale,
                    const std::string& folder, std::size_t runs, std::size_t finished,
                    const std::string& command = "");

// <folder>/index.md linking each experiment's report with its counts of findings.
void write_index(const std::string& folder, const std::vector<std::string>& names,
                 const std::vector<RunSummary>& summaries);

}  // namespace unroll::lab
