// classify's command line: the CLI11 app, its checks, and the arguments it fills — parsed
// without running anything.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "models/classifier/config.hpp"
#include "models/classifier/task.hpp"
#include "models/training/trainer.hpp"

namespace unroll::classify {

struct TrainArgs {
  std::string out, resume, log;
  classifier::ClassifierConfig model;
  std::string pooling = "max";
  classifier::TaskOptions task;
  training::TrainerOptions trainer = [] {
    training::TrainerOptions options;  // Adam
    options.lr = 5e-3;
    return options;
  }();
  std::optional<std::int64_t> steps;
  std::optional<double> minutes;
  std::int64_t eval_every = 250;
};

enum class Command { train, eval, predict };

// Everything the command line says; only the chosen command's part is meaningful.
struct Arguments {
  Command command = Command::train;
  TrainArgs train;
  std::string ckpt;              // eval, predict
  std::size_t per_bucket = 100;  // eval: snippets per class and length bucket
  std::string root;              // the checkout whose files (and the system's) are the data
  std::string threads = "auto";  // "auto" or a positive count
};

class CommandLine {
 public:
  // `default_root`: --root's default (the source tree the program was built from).
  explicit CommandLine(const std::string& default_root);
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
};

}  // namespace unroll::classify
