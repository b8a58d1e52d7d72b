// The command line of a program that runs one experiment of its own, as `lab run` runs the lab's:
//   PROGRAM [--quick | --full] [--seeds N] [--threads N] [--out DIR]
// results.csv, figures and report.md go to DIR/<experiment name>/ (DIR: lab-results).
#pragma once

#include "lab/experiment.hpp"

namespace unroll::lab {

// Runs `experiment` as the arguments say; returns the exit status: 0 done, 130 interrupted
// (Ctrl-C; the finished runs are kept), 2 for arguments it does not understand, 1 for a failure
// (one line on stderr).
int run_from_command_line(const Experiment& experiment, int argc, char** argv);

}  // namespace unroll::lab
