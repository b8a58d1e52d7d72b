// caption's command line: the CLI11 app, its checks, and the arguments it fills — parsed
// without running anything.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "models/captioner/config.hpp"
#include "models/captioner/task.hpp"
#include "models/training/trainer.hpp"

namespace unroll::caption {

// The default budget: measured to reach ≥ 95 % exact captions on seen combinations (RESULTS).
inline constexpr std::int64_t kDefaultSteps = 4000;

struct TrainArgs {
  std::string out, resume, log;
  captioner::CaptionerConfig model;
  captioner::TaskOptions task;
  training::TrainerOptions trainer = [] {
    training::TrainerOptions options;  // Adam
    options.lr = 3e-3;
    options.clip_norm = 1.0;
    options.schedule.kind = "cosine";  // half a cosine from lr to lr / 20 over the default steps
    options.schedule.cosine_steps = kDefaultSteps;
    options.schedule.min_lr = options.lr / 20;
    return options;
  }();
  std::int64_t steps = kDefaultSteps;
  std::int64_t eval_every = 250;
};

enum class Command { train, eval, predict, scenes };

// Everything the command line says; only the chosen command's part is meaningful.
struct Arguments {
  Command command = Command::train;
  TrainArgs train;
  std::string ckpt;         // eval, predict
  std::size_t count = 500;  // eval: scenes per split; scenes: files written
  std::size_t beam = 1;     // eval, predict: 1 greedy
  bool no_art = false;      // predict: one caption per line
  std::string folder;       // scenes: where the PGMs go
  bool held_out = false;    // scenes: of held-out combinations
  std::uint64_t seed = 7;   // scenes
  std::string threads = "auto";
};

class CommandLine {
 public:
  CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // The arguments of `argv`. Throws only CLI::ParseError (CLI::CallForHelp for --help).
  const Arguments& parse(int argc, const char* const* argv);
  // Prints the help to `out`, or one line to `err`; returns the exit code (0 for help).
  int exit(const CLI::ParseError& error, std::ostream& out, std::ostream& err) const;

 private:
  Arguments args_;
  CLI::App app_;
  CLI::App* train_;
  CLI::App* eval_;
  CLI::App* predict_;
  CLI::App* scenes_;
};

}  // namespace unroll::caption
