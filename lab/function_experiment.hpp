// An experiment made of three functions, for an experiment of one's own
// (examples/lab_layernorm):
//   auto e = make_experiment({"my-question", "Does … ?", grid, run, report});
//   return run_from_command_line(*e, argc, argv);        (lab/command_line.hpp)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lab/experiment.hpp"

namespace unroll::lab {

struct ExperimentFunctions {
  std::string name;      // the folder under --out, and the report's title
  std::string question;  // the report's first paragraph
  std::function<std::vector<Setting>(Scale)> grid = {};
  std::function<std::vector<Row>(const Setting&, const RunContext&)> run = {};
  std::function<void(const Table&, Scale, Report&)> report = {};
};

// ValueError naming what is missing when the name or a function is empty.
std::unique_ptr<Experiment> make_experiment(ExperimentFunctions functions);

// A grid over one column: a setting per value (labelled by it), each also with `common`'s
// columns — settings_over("cell", {"lstm", "gru"}, {{"hidden", "64"}}).
std::vector<Setting> settings_over(const std::string& column,
                                   const std::vector<std::string>& values, const Row& common = {});

}  // namespace unroll::lab
