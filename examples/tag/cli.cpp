#include "examples/tag/cli.hpp"

#include <fmt/format.h>

#include <ostream>

#include "examples/common/cli_checks.hpp"
#include "examples/tag/render.hpp"
#include "framework/version.hpp"

namespace unroll::tag {
namespace {

void add_train_options(CLI::App& cmd, TrainArgs& t) {
  cmd.add_option("--out", t.out, "checkpoint to write (.safetensors)")->required();
  cmd.add_option("--resume", t.resume,
                 "continue an interrupted run exactly (its weights, architecture and training "
                 "state; the architecture options are then ignored)");
  cmd.add_option("--log", t.log,
                 "metrics CSV (step, elapsed_s, train_loss, val_loss, grad_norm, lr, "
                 "tokens_per_s, val_accuracy)");
  cmd.add_option("--cell", t.model.cell, "lstm | gru")
      ->check(CLI::IsMember({"lstm", "gru"}))
      ->capture_default_str();
  cmd.add_option("--direction", t.direction,
                 "uni: each tag from the characters up to it; bi: from both sides")
      ->check(CLI::IsMember({"uni", "bi"}))
      ->capture_default_str();
  cmd.add_option("--embed", t.model.embed, "embedding width")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--hidden", t.model.hidden, "hidden width (per direction)")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--layers", t.model.layers, "stacked RNN layers")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--batch", t.task.batch, "windows per step")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--window", t.task.window, "characters per training window")
      ->check(cli::number_in(1, 4096, "1–4096", "a window of 1 to 4096 characters"))
      ->capture_default_str();
  cmd.add_option("--steps", t.steps, "stop after this many steps (in all, when resuming)")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--lr", t.trainer.lr, "Adam's learning rate")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--clip-norm", t.trainer.clip_norm,
                 "clip the gradients' total L2 norm to this (0: off)")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--seed", t.task.seed,
                 "initialization, the train/held-out split of the files and the windows drawn")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--eval-every", t.eval_every,
                 "validate on held-out windows every N steps (and after the last)")
      ->check(cli::positive())
      ->capture_default_str();
}

}  // namespace

Color Arguments::colour() const {
  return color == "always" ? Color::always : color == "never" ? Color::never : Color::automatic;
}

CommandLine::CommandLine(const std::string& default_root)
    : app_(
          "tag: a learned syntax highlighter — every character of C/C++ source tagged as code, "
          "comment, literal, number or preprocessor directive by a synchronous many-to-many "
          "RNN") {
  args_.root = default_root;
  app_.require_subcommand(1);
  app_.set_version_flag("--version", fmt::format("tag (unroll) {}", version()));
  app_.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("tag: {} (see --help)\n", e.what());
  });
  train_ = app_.add_subcommand(
      "train",
      "train a tagger on windows of the checkout's C/C++ sources and the system's library "
      "headers, labelled by a lexer (20 % of the files held out), and save a checkpoint");
  eval_ = app_.add_subcommand(
      "eval",
      "per-character accuracy, per-class precision/recall/F1 and the confusion matrix on the "
      "held-out files");
  predict_ = app_.add_subcommand(
      "predict",
      fmt::format("tag the whole of stdin as one source text (UTF-8, at most {} bytes) and write "
                  "one line per input line: on a terminal (or --color always) the line coloured "
                  "by tag; piped, one letter per character: {}. A checkpoint of another program, "
                  "invalid UTF-8, an empty or over-long input: one line on stderr, exit 1",
                  kMaxInputBytes, letter_legend()));
  add_train_options(*train_, args_.train);
  for (CLI::App* cmd : {eval_, predict_})
    cmd->add_option("--ckpt", args_.ckpt, "checkpoint (.safetensors)")->required();
  predict_
      ->add_option("--color", args_.color,
                   "auto: colour when stdout is a terminal; always; never (letters)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  for (CLI::App* cmd : {train_, eval_})
    cmd->add_option("--root", args_.root,
                    "the checkout whose C/C++ files (beside the system's headers) are the data")
        ->capture_default_str();
  for (CLI::App* cmd : {train_, eval_, predict_})
    cmd->add_option("--threads", args_.threads, cli::threads_help())
        ->check(cli::auto_or_count())
        ->capture_default_str();
}

const Arguments& CommandLine::parse(int argc, const char* const* argv) {
  cli::check_command(argc, argv, {"train", "eval", "predict"});
  app_.parse(argc, argv);
  args_.command = *train_ ? Command::train : *eval_ ? Command::eval : Command::predict;
  args_.train.model.bidirectional = args_.train.direction == "bi";
  return args_;
}

int CommandLine::exit(const CLI::ParseError& error, std::ostream& out, std::ostream& err) const {
  return app_.exit(error, out, err);
}

}  // namespace unroll::tag
