// What the tests of single lab experiments share: a run at --quick into a folder with its
// progress silenced, on one compute thread as `lab` runs by default, and whether a figure
// draws a series.
#pragma once

#include <cstdio>
#include <string>

#include "lab/runner.hpp"
#include "tests/support.hpp"

namespace unroll::testing {

inline lab::RunSummary run_quick(const lab::Experiment& experiment, const std::string& folder,
                                 std::size_t seeds, const std::u32string* text = nullptr) {
  ComputeThreads one(1);  // OpenMP threads waiting on each small op cost more than they give
  std::FILE* sink = std::fopen("/dev/null", "w");
  const auto summary =
      lab::run_experiment(experiment, {lab::Scale::Quick, seeds, folder, sink, text});
  std::fclose(sink);
  return summary;
}

// gnuplot's SVG gives each series a <title> with its legend entry.
inline bool draws_series(const std::string& svg, const std::string& title) {
  return svg.find("<title>" + title + "</title>") != std::string::npos;
}

}  // namespace unroll::testing
