// tag's command line: the CLI11 app, its checks, and the arguments it fills — parsed without
// running anything.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <string>

#include "models/tagger/config.hpp"
#include "models/tagger/task.hpp"
#include "models/training/trainer.hpp"

namespace unroll::tag {

// The default step budget: the default model reaches ≥ 99 % held-out accuracy in it (README).
inline constexpr std::int64_t kDefaultSteps = 800;

struct TrainArgs {
  std::string out, resume, log;
  tagger::TaggerConfig model;
  std::string direction = "bi";
  tagger::TaskOptions task;
  training::TrainerOptions trainer = [] {
    training::TrainerOptions options;  // Adam
    options.lr = 5e-3;
    return options;
  }();
  std::int64_t steps = kDefaultSteps;
  std::int64_t eval_every = 100;
};

enum class Command { train, eval, predict };
enum class Color { automatic, always, never };

// Everything the command line says; only the chosen command's part is meaningful.
struct Arguments {
  Command command = Command::train;
  TrainArgs train;
  std::string ckpt;              // eval, predict
  std::string root;              // the checkout whose files (and the system's headers) are the data
  std::string color = "auto";    // predict
  std::string threads = "auto";  // "auto" or a positive count
  Color colour() const;
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

}  // namespace unroll::tag
