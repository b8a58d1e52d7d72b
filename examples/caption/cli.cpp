#include "examples/caption/cli.hpp"

#include <fmt/format.h>

#include <ostream>

#include "examples/common/cli_checks.hpp"
#include "framework/version.hpp"

namespace unroll::caption {
namespace {

void add_train_options(CLI::App& cmd, TrainArgs& t) {
  cmd.add_option("--out", t.out, "checkpoint to write (.safetensors)")->required();
  cmd.add_option("--resume", t.resume,
                 "continue an interrupted run exactly (its weights, architecture and training "
                 "state; the architecture options are then ignored)");
  cmd.add_option("--log", t.log,
                 "metrics CSV (step, elapsed_s, train_loss, val_loss, grad_norm, lr, "
                 "tokens_per_s, val_exact)");
  cmd.add_option("--encoder", t.model.encoder,
                 "hidden width of the image encoder's MLP, h0 = tanh(W2 relu(W1 x + b1) + b2); "
                 "0: one Linear layer, h0 = tanh(W x + b)")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--embed", t.model.embed, "word embedding width")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--hidden", t.model.hidden, "decoder LSTM width")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--batch", t.task.batch, "scenes per step")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--steps", t.steps, "stop after this many steps")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--lr", t.trainer.lr, "Adam's learning rate")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--lr-schedule", t.trainer.schedule.kind,
                 "cosine: half a cosine from --lr down to --min-lr over --cosine-steps (then "
                 "flat); constant: --lr throughout")
      ->check(CLI::IsMember({"cosine", "constant"}))
      ->capture_default_str();
  cmd.add_option("--cosine-steps", t.trainer.schedule.cosine_steps,
                 "the step at which the cosine reaches --min-lr (a resumed run must keep it)")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--min-lr", t.trainer.schedule.min_lr, "the cosine's floor")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--clip-norm", t.trainer.clip_norm,
                 "clip the gradients' total L2 norm to this (0: off)")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--seed", t.task.seed, "initialization and the training scenes drawn")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--eval-every", t.eval_every,
                 "validate on scenes of seen combinations every N steps (and after the last)")
      ->check(cli::positive())
      ->capture_default_str();
}

}  // namespace

CommandLine::CommandLine()
    : app_(
          "caption: describe a 16×16 scene of one or two shapes in words — a one-to-many RNN "
          "(the image sets the decoder LSTM's initial state once; words follow until <end>)") {
  app_.require_subcommand(1);
  app_.set_version_flag("--version", fmt::format("caption (unroll) {}", version()));
  app_.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("caption: {} (see --help)\n", e.what());
  });
  train_ = app_.add_subcommand(
      "train",
      "train a captioner on generated scenes (8 of the 36 shape–cell combinations never shown) "
      "and save a checkpoint");
  eval_ = app_.add_subcommand(
      "eval",
      "exact-caption and per-word accuracy on scenes of seen combinations and of held-out ones");
  predict_ = app_.add_subcommand(
      "predict",
      "caption plain PGM images (P2: 'P2', width, height, maxval, then the values, '#' "
      "comments; 16×16, any maxval): one file path per line of stdin; prints each image as "
      "ASCII art beside its caption (--no-art: the caption alone, one line per path). A missing "
      "file, a malformed PGM or another size prints 'error: …' in its place (exit status 2)");
  scenes_ = app_.add_subcommand(
      "scenes",
      "write sample scenes as PGM files into a folder and print their paths, one per line (pipe "
      "them into predict)");
  add_train_options(*train_, args_.train);
  for (CLI::App* cmd : {eval_, predict_})
    cmd->add_option("--ckpt", args_.ckpt, "checkpoint (.safetensors)")->required();
  for (CLI::App* cmd : {eval_, predict_})
    cmd->add_option("--beam", args_.beam, "beam width (1: greedy)")
        ->check(cli::positive())
        ->capture_default_str();
  eval_->add_option("--scenes", args_.count, "scenes per split")
      ->check(cli::positive())
      ->capture_default_str();
  predict_->add_flag("--no-art", args_.no_art, "print only the caption, one line per path");
  scenes_->add_option("--out", args_.folder, "folder for the PGM files (created)")->required();
  scenes_->add_option("--count", args_.count, "how many")
      ->check(cli::positive())
      ->capture_default_str();
  scenes_->add_flag("--held-out", args_.held_out,
                    "scenes with a shape–cell combination never trained on");
  scenes_->add_option("--seed", args_.seed, "which scenes")
      ->check(cli::non_negative())
      ->capture_default_str();
  for (CLI::App* cmd : {train_, eval_, predict_})
    cmd->add_option("--threads", args_.threads, cli::threads_help())
        ->check(cli::auto_or_count())
        ->capture_default_str();
}

const Arguments& CommandLine::parse(int argc, const char* const* argv) {
  cli::check_command(argc, argv, {"train", "eval", "predict", "scenes"});
  app_.parse(argc, argv);
  args_.command = *train_     ? Command::train
                  : *eval_    ? Command::eval
                  : *predict_ ? Command::predict
                              : Command::scenes;
  return args_;
}

int CommandLine::exit(const CLI::ParseError& error, std::ostream& out, std::ostream& err) const {
  return app_.exit(error, out, err);
}

}  // namespace unroll::caption
