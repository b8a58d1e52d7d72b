#include "examples/charlm/cli.hpp"

#include <fmt/format.h>

#include <ostream>

#include "examples/common/cli_checks.hpp"
#include "framework/version.hpp"
#include "models/char_lm/cell_clamp.hpp"

namespace unroll::charlm {
namespace {

const CLI::Validator kPositive = cli::positive();
const CLI::Validator kNonNegative = cli::non_negative();
const CLI::Validator kFraction = cli::fraction();

void add_train_options(CLI::App& cmd, TrainArgs& t) {
  cmd.add_option("--data", t.data, "UTF-8 training text (the last --val-fraction is validation)");
  auto* init = cmd.add_option("--init", t.init,
                              "start from this checkpoint's weights, vocabulary and architecture");
  cmd.add_option("--resume", t.resume,
                 "continue an interrupted run exactly (weights and training state)")
      ->excludes(init);
  cmd.add_option("--out", t.out, "checkpoint to write (.safetensors)")->required();
  cmd.add_option("--cell", t.model.cell, "rnn | lstm | gru")
      ->check(CLI::IsMember({"rnn", "lstm", "gru"}))
      ->capture_default_str();
  cmd.add_option("--nonlinearity", t.model.nonlinearity, "tanh | relu (rnn only)")
      ->check(CLI::IsMember({"tanh", "relu"}))
      ->capture_default_str();
  cmd.add_option("--embed", t.model.embed, "embedding width")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--hidden", t.model.hidden, "hidden width")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--layers", t.model.layers, "stacked layers")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_flag("--residual", t.model.residual, "residual connections between layers");
  cmd.add_option("--dropout", t.model.dropout, "dropout between layers")
      ->check(kFraction)
      ->capture_default_str();
  cmd.add_option("--temporal-skip", t.model.temporal_skip,
                 "a temporal skip of distance k, of the kind --skip-mode says (0: off)")
      ->check(kNonNegative)
      ->capture_default_str();
  cmd.add_option("--skip-mode", t.model.skip_mode,
                 "output: h(t) = (1-w) o(t) + w o(t-k), w = 0.5, o the cell's own output; "
                 "dilated: the cell reads h(t-d), d = k·2^layer; accumulate: h(t) = o(t) + "
                 "h(t-k), which grows with the sequence (kept for old checkpoints)")
      ->check(CLI::IsMember({"output", "dilated", "accumulate"}))
      ->capture_default_str();
  cmd.add_flag("--recompute", t.model.recompute,
               "keep only each block of steps' inputs and run the block again in backward: "
               "less memory, about a quarter slower");
  cmd.add_option("--seq", t.train.seq, "characters per window (truncated BPTT length)")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--batch", t.train.batch, "streams (or windows) trained in parallel")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--windows", t.windows,
                 "stream: B streams read in order, states carried from window to window "
                 "(char-rnn); random: B windows at random positions every step, each from a "
                 "zero state (as eval scores them); an epoch is then as many characters as the "
                 "text holds")
      ->check(CLI::IsMember({"stream", "random"}))
      ->capture_default_str();
  auto* steps = cmd.add_option("--steps", t.steps, "stop after this many steps")->check(kPositive);
  auto* epochs = cmd.add_option("--epochs", t.epochs, "stop after this many epochs")
                     ->check(kPositive)
                     ->excludes(steps);
  cmd.add_option("--minutes", t.minutes, "stop after this much wall time")
      ->check(kPositive)
      ->excludes(steps)
      ->excludes(epochs);
  auto& trainer = t.train.trainer;
  cmd.add_option("--optimizer", trainer.optimizer, "adam | sgd | adagrad | rmsprop")
      ->check(CLI::IsMember({"adam", "sgd", "adagrad", "rmsprop"}))
      ->capture_default_str();
  cmd.add_option("--lr", trainer.lr, "learning rate (the peak, with a schedule)")
      ->check(kNonNegative)
      ->capture_default_str();
  auto* clip_norm = cmd.add_option("--clip-norm", trainer.clip_norm,
                                   "clip the gradients' total L2 norm to this (0: off)")
                        ->check(kNonNegative)
                        ->capture_default_str();
  cmd.add_option("--clip-value", trainer.clip_value,
                 "clip each gradient element to ±this (0: off; replaces --clip-norm)")
      ->check(kNonNegative)
      ->excludes(clip_norm);
  auto& schedule = trainer.schedule;
  cmd.add_option("--lr-schedule", schedule.kind,
                 "constant; step: × --lr-gamma every --lr-step-size steps; cosine: a half "
                 "cosine from --lr down to --min-lr at --cosine-steps; plateau: halved after "
                 "--patience validations without improvement")
      ->check(CLI::IsMember({"constant", "step", "cosine", "plateau"}))
      ->capture_default_str();
  cmd.add_option("--warmup", schedule.warmup, "linear warm-up from 0 over N steps (any schedule)")
      ->check(kNonNegative)
      ->capture_default_str();
  cmd.add_option("--lr-step-size", schedule.step_size, "step: steps between decays")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--lr-gamma", schedule.gamma, "step: the factor of each decay")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--cosine-steps", schedule.cosine_steps,
                 "cosine: the step at which it reaches --min-lr (default: --steps, or the steps "
                 "of --epochs)")
      ->check(kPositive);
  cmd.add_option("--patience", schedule.patience,
                 "plateau: validations without improvement before halving")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--min-lr", schedule.min_lr, "cosine and plateau: the lowest rate")
      ->check(kNonNegative)
      ->capture_default_str();
  cmd.add_option("--val-fraction", t.val_fraction, "last fraction of the text kept for validation")
      ->check(kFraction)
      ->capture_default_str();
  cmd.add_option("--seed", t.train.seed, "initialization, data offsets and dropout")
      ->check(kNonNegative)
      ->capture_default_str();
  cmd.add_option("--log", t.log,
                 "metrics CSV (step, elapsed_s, train_loss, val_loss, grad_norm, lr, "
                 "tokens_per_s; skipped with --skip-nonfinite)");
  cmd.add_option("--eval-every", t.eval_every, "validate every N steps (and after the last)")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_flag("--keep-best", t.keep_best,
               "also keep the checkpoint of the lowest validation loss as NAME.best.safetensors "
               "(its val_loss in the metadata)");
  cmd.add_flag("--skip-nonfinite", t.skip_nonfinite,
               "skip a step whose loss or gradient norm is inf or NaN (counted in the log) "
               "instead of stopping; such a step is never applied either way");
  cmd.add_option("--sample-every", t.sample_every, "print a 200-character sample every N steps")
      ->check(kPositive);
}

void add_sample_options(CLI::App& cmd, Arguments& a) {
  cmd.add_option("--ckpt", a.ckpt, "checkpoint (.safetensors)")->required();
  cmd.add_option("--prime", a.sample.prime,
                 "text to start from (its symbols must be in the vocabulary)");
  cmd.add_option("--length", a.sample.length, "characters to generate")
      ->check(kNonNegative)
      ->capture_default_str();
  cmd.add_option("--temperature", a.sample.temperature, "0: greedy; lower is more conservative")
      ->check(kNonNegative)
      ->capture_default_str();
  cmd.add_option("--top-k", a.sample.top_k, "sample among the k most likely (0: all)")
      ->check(kNonNegative)
      ->capture_default_str();
  cmd.add_option("--seed", a.sample.seed, "random seed")
      ->check(kNonNegative)
      ->capture_default_str();
  cmd.add_option("--clamp", a.clamps,
                 "hold a cell at a value after every step: LAYER:CELL=VALUE sets h, "
                 "LAYER:CELL:c=VALUE an LSTM's c (repeatable; find cells with `charlm cells`)")
      ->check(CLI::Validator(
          [](std::string& text) {
            try {
              parse_clamp(text);
              return std::string();
            } catch (const std::exception& e) {
              return std::string(e.what());
            }
          },
          "LAYER:CELL[:c]=VALUE"));
}

const char* const kHiddenDataHelp =
    "UTF-8 text to read (default: the embedded corpus's last 10 %, which `charlm train` without "
    "--data keeps for validation)";
const char* const kLayersHelp = "the layers to record, e.g. 0,1 (default: all)";

void add_states_options(CLI::App& cmd, Arguments& a) {
  cmd.add_option("--ckpt", a.ckpt, "checkpoint (.safetensors)")->required();
  cmd.add_option("--data", a.data, kHiddenDataHelp);
  cmd.add_option("--out", a.states.out,
                 "safetensors file: layer{l}.h, .c and the gates ([T, H] each), the text in "
                 "its metadata")
      ->required();
  cmd.add_option("--layers", a.states.layers, kLayersHelp)->delimiter(',');
  cmd.add_option("--limit", a.states.limit,
                 "record at most the text's first N characters (a 2x256 LSTM keeps 12 KB per "
                 "character)")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_flag("--no-gates", a.states.no_gates, "record h and c only");
  cmd.add_flag("--logits", a.states.logits, "also the next-character logits [T, V]");
}

void add_cells_options(CLI::App& cmd, Arguments& a) {
  cmd.add_option("--ckpt", a.ckpt, "checkpoint (.safetensors)")->required();
  cmd.add_option("--data", a.data, kHiddenDataHelp);
  cmd.add_option("--layers", a.cells.layers, kLayersHelp)->delimiter(',');
  cmd.add_option("--limit", a.cells.limit, "score on at most the text's first N characters")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--top", a.cells.top, "cells shown per feature")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--html", a.cells.html,
                 "also write a self-contained page to explore the cells in a browser");
  cmd.add_option("--html-chars", a.cells.html_chars, "characters of the text the page shows")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_flag("--intervene", a.cells.intervene,
               "clamp the best cell of the string and comment features high, then low, while "
               "sampling, and measure the fraction of generated characters inside them");
  cmd.add_option("--samples", a.cells.samples, "--intervene: samples per setting (seeds 1…N)")
      ->check(kPositive)
      ->capture_default_str();
  cmd.add_option("--length", a.cells.length, "--intervene: characters per sample")
      ->check(kPositive)
      ->capture_default_str();
}

void add_demo_options(CLI::App& cmd, TrainArgs& t, std::string& prime) {
  cmd.add_option("--data", t.data, "UTF-8 text to learn (default: the embedded corpus)");
  cmd.add_option("--prime", prime, "what the sample starts from (its symbols must be in the text)")
      ->capture_default_str();
  cmd.add_option("--out", t.out, "checkpoint to write (.safetensors)")->required();
  auto* steps =
      cmd.add_option("--steps", t.steps, "train this many steps (default 800)")->check(kPositive);
  cmd.add_option("--minutes", t.minutes, "train this long instead")
      ->check(kPositive)
      ->excludes(steps);
}

void add_eval_options(CLI::App& cmd, Arguments& a) {
  cmd.add_option("--ckpt", a.ckpt, "checkpoint (.safetensors)")->required();
  cmd.add_option("--data", a.data, "UTF-8 text")->required();
  cmd.add_option("--seq", a.eval_seq, "window length (each window starts from a zero state)")
      ->check(kPositive)
      ->capture_default_str();
}

}  // namespace

CommandLine::CommandLine()
    : app_("charlm: train, sample from and evaluate a character-level language model") {
  app_.require_subcommand(1);
  app_.set_version_flag("--version", fmt::format("charlm (unroll) {}", version()));
  app_.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("charlm: {} (see --help)\n", e.what());
  });
  train_ = app_.add_subcommand("train",
                               "train a model (on the embedded default corpus when no --data is "
                               "given) and save a checkpoint");
  sample_ = app_.add_subcommand("sample", "generate text from a checkpoint, streaming it");
  eval_ = app_.add_subcommand("eval", "mean loss of a checkpoint on a text, as one JSON line");
  demo_ = app_.add_subcommand(
      "demo",
      "what `make demo` runs: train the default model on the embedded corpus for 800 steps, sample "
      "600 characters from it, and print its validation bits per character beside a unigram "
      "model's");
  add_train_options(*train_, args_.train);
  add_sample_options(*sample_, args_);
  add_eval_options(*eval_, args_);
  add_demo_options(*demo_, args_.train, args_.demo_prime);
  states_ = app_.add_subcommand(
      "states", "record every layer's h, c and gates after each character of a text");
  cells_ = app_.add_subcommand(
      "cells",
      "find the cells that track features of a text (strings, comments, brackets, line "
      "position, …), with gate saturation; --html writes a page to explore them");
  add_states_options(*states_, args_);
  add_cells_options(*cells_, args_);
  for (CLI::App* cmd : {train_, sample_, eval_, demo_, states_, cells_})
    cmd->add_option("--threads", args_.threads, cli::threads_help())
        ->check(cli::auto_or_count())
        ->capture_default_str();
}

const Arguments& CommandLine::parse(int argc, const char* const* argv) {
  cli::check_command(argc, argv, {"train", "sample", "eval", "demo", "states", "cells"});
  app_.parse(argc, argv);
  args_.command = *train_    ? Command::train
                  : *sample_ ? Command::sample
                  : *demo_   ? Command::demo
                  : *states_ ? Command::states
                  : *cells_  ? Command::cells
                             : Command::eval;
  const TrainArgs& t = args_.train;
  const auto& schedule = t.train.trainer.schedule;
  if (args_.command == Command::train && schedule.kind == "cosine" && schedule.cosine_steps == 0 &&
      !t.steps && !t.epochs)
    throw CLI::ValidationError("--lr-schedule", "cosine needs --steps, --epochs or --cosine-steps");
  return args_;
}

int CommandLine::exit(const CLI::ParseError& error, std::ostream& out, std::ostream& err) const {
  return app_.exit(error, out, err);
}

}  // namespace unroll::charlm
