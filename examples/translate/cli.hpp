// translate's command line: the CLI11 app, its checks, and the arguments it fills — parsed
// without running anything.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "models/training/trainer.hpp"
#include "models/translator/task.hpp"

namespace unroll::translate {

struct TrainArgs {
  std::string out, resume, log;
  translator::TranslatorConfig model;
  translator::TaskOptions task;
  training::TrainerOptions trainer = [] {
    training::TrainerOptions options;  // Adam
    options.lr = 5e-3;
    return options;
  }();
  std::int64_t steps = 1500;
  std::int64_t eval_every = 250;
};

enum class Command { train, eval, predict, attention };

// Everything the command line says; only the chosen command's part is meaningful.
struct Arguments {
  Command command = Command::train;
  TrainArgs train;
  std::string ckpt;          // eval, predict, attention
  std::size_t count = 3000;  // eval: held-out dates
  std::size_t beam = 1;      // eval, predict: 1 greedy, else beam search of this width
  std::string text, out;     // attention: the date and the output base (OUT.svg, OUT.png)
  std::string threads = "auto";
};

// The formats translate reads, one per line: name, pattern, example (from tasks::dates).
std::string formats_help();

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
  CLI::App *train_, *eval_, *predict_, *attention_;
};

}  // namespace unroll::translate
