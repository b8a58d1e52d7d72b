#include "examples/classify/cli.hpp"

#include <fmt/format.h>

#include <ostream>

#include "examples/common/cli_checks.hpp"
#include "framework/version.hpp"

namespace unroll::classify {
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
  cmd.add_flag("--bidirectional", t.model.bidirectional,
               "read each snippet both ways (twice the encoder)");
  cmd.add_option("--pooling", t.pooling,
                 "last: the state at each snippet's last step (bidirectional: the forward's "
                 "last and the backward's first); mean or max over the snippet's steps")
      ->check(CLI::IsMember({"last", "mean", "max"}))
      ->capture_default_str();
  cmd.add_option("--embed", t.model.embed, "embedding width")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--hidden", t.model.hidden, "hidden width (per direction)")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--layers", t.model.layers, "stacked encoder layers")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--batch", t.task.batch, "snippets per step")
      ->check(cli::positive())
      ->capture_default_str();
  auto* steps =
      cmd.add_option("--steps", t.steps,
                     "stop after this many steps (default 12000: about 3 minutes on an idle "
                     "2-core machine)")
          ->check(cli::positive());
  cmd.add_option("--minutes", t.minutes,
                 "stop after this much wall time instead (the accuracy then depends on the CPU)")
      ->check(cli::positive())
      ->excludes(steps);
  cmd.add_option("--lr", t.trainer.lr, "Adam's learning rate")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--clip-norm", t.trainer.clip_norm,
                 "clip the gradients' total L2 norm to this (0: off)")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--seed", t.task.seed,
                 "initialization, the train/held-out split of the files and the snippets drawn")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--eval-every", t.eval_every,
                 "validate on held-out snippets every N steps (and after the last)")
      ->check(cli::positive())
      ->capture_default_str();
}

}  // namespace

CommandLine::CommandLine(const std::string& default_root)
    : app_(
          "classify: what kind of text is this snippet? English, C++, Markdown, CMake or shell "
          "— a many-to-one RNN") {
  args_.root = default_root;
  app_.require_subcommand(1);
  app_.set_version_flag("--version", fmt::format("classify (unroll) {}", version()));
  app_.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("classify: {} (see --help)\n", e.what());
  });
  train_ = app_.add_subcommand(
      "train",
      "train a classifier on snippets of the checkout's and the system's files (20 % of each "
      "class's files held out) and save a checkpoint");
  eval_ = app_.add_subcommand(
      "eval", "accuracy, confusion matrix and accuracy per snippet length on the held-out files");
  predict_ = app_.add_subcommand(
      "predict",
      "classify each line of stdin (write a newline inside a snippet as \\n, a tab as \\t, a "
      "backslash as \\\\); prints the class and its probability, tab-separated, one line per "
      "input line. An empty line, a line of invalid UTF-8 or a snippet over 256 symbols prints "
      "'error: …' in its place (exit status 2); symbols the model never saw read as <unk>");
  add_train_options(*train_, args_.train);
  for (CLI::App* cmd : {eval_, predict_})
    cmd->add_option("--ckpt", args_.ckpt, "checkpoint (.safetensors)")->required();
  eval_
      ->add_option("--per-bucket", args_.per_bucket,
                   "held-out snippets per class and length bucket (16–31, 32–63, 64–127, "
                   "128–256)")
      ->check(cli::positive())
      ->capture_default_str();
  for (CLI::App* cmd : {train_, eval_}) {
    cmd->add_option("--root", args_.root,
                    "the checkout whose files (beside the system's) make the classes")
        ->capture_default_str();
  }
  for (CLI::App* cmd : {train_, eval_, predict_})
    cmd->add_option("--threads", args_.threads, cli::threads_help())
        ->check(cli::auto_or_count())
        ->capture_default_str();
}

const Arguments& CommandLine::parse(int argc, const char* const* argv) {
  cli::check_command(argc, argv, {"train", "eval", "predict"});
  app_.parse(argc, argv);
  args_.command = *train_ ? Command::train : *eval_ ? Command::eval : Command::predict;
  args_.train.model.pooling = classifier::parse_pooling(args_.train.pooling);
  return args_;
}

int CommandLine::exit(const CLI::ParseError& error, std::ostream& out, std::ostream& err) const {
  return app_.exit(error, out, err);
}

}  // namespace unroll::classify
