// charlm's command line: the CLI11 app, its checks, and the arguments it fills — parsed without
// running anything, so the tests and tests/fuzz/fuzz_charlm_cli.cpp can call it.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "models/char_lm/config.hpp"
#include "models/char_lm/generate.hpp"
#include "models/char_lm/trainer.hpp"

namespace unroll::charlm {

struct TrainArgs {
  std::string data, init, resume, out, log, windows = "stream";
  CharLMConfig model;
  TrainOptions train;
  std::optional<std::int64_t> steps, epochs;
  std::optional<double> minutes;
  double val_fraction = 0.1;
  std::int64_t sample_every = 0, eval_every = 250;
  bool keep_best = false, skip_nonfinite = false;
};

// `charlm states`: record every layer's states and gates over a text.
struct StatesArgs {
  std::string out;
  std::vector<std::size_t> layers;  // empty: all
  std::size_t limit = 20000;        // characters recorded at most (from the text's start)
  bool no_gates = false, logits = false;
};

// `charlm cells`: score every cell against the text's features; the page; the intervention.
struct CellsArgs {
  std::string html;
  std::vector<std::size_t> layers;  // empty: all
  std::size_t limit = 50000;        // characters scored at most
  std::size_t top = 3;              // cells printed per feature
  std::size_t html_chars = 4000;    // characters shown on the page
  bool intervene = false;
  std::size_t samples = 20, length = 300;  // the intervention's samples, and their length
};

enum class Command { train, sample, eval, demo, states, cells };

// Everything the command line says; only the chosen command's part is meaningful.
struct Arguments {
  Command command = Command::train;
  TrainArgs train;  // train, and demo's --data, --out, --steps, --minutes
  std::string demo_prime = "template <class T>";  // demo: what its sample starts from
  SampleOptions sample;
  std::vector<std::string> clamps;  // sample: LAYER:CELL[:c]=VALUE, checked by parse_clamp
  StatesArgs states;
  CellsArgs cells;
  std::string ckpt, data;  // sample, eval, states and cells
  std::size_t eval_seq = 64;
  std::string threads = "auto";  // "auto" or a positive count
};

class CommandLine {
 public:
  CommandLine();
  CommandLine(const CommandLine&) = delete;
  CommandLine& operator=(const CommandLine&) = delete;

  // The arguments of `argv` (argv[0] is the program). Throws only CLI::ParseError: CLI::CallForHelp
  // and CLI::CallForVersion for --help and --version, another for anything refused — an unknown
  // command, a missing or malformed option, a value outside its range (NaN included), options
  // that exclude each other, a cosine schedule without a length.
  const Arguments& parse(int argc, const char* const* argv);
  // What charlm does with such an error: prints the help or version to `out`, or one line to
  // `err`; returns the exit code (0 for help and version).
  int exit(const CLI::ParseError& error, std::ostream& out, std::ostream& err) const;

 private:
  Arguments args_;
  CLI::App app_;
  CLI::App* train_;
  CLI::App* sample_;
  CLI::App* eval_;
  CLI::App* demo_;
  CLI::App* states_;
  CLI::App* cells_;
};

}  // namespace unroll::charlm
