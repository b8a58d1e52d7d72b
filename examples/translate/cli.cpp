#include "examples/translate/cli.hpp"

#include <fmt/format.h>

#include <ostream>

#include "examples/common/cli_checks.hpp"
#include "framework/version.hpp"
#include "models/tasks/dates.hpp"

namespace unroll::translate {
namespace {

void add_train_options(CLI::App& cmd, TrainArgs& t) {
  cmd.add_option("--out", t.out, "checkpoint to write (.safetensors)")->required();
  cmd.add_option("--resume", t.resume,
                 "continue an interrupted run exactly (its weights, architecture and training "
                 "state; the architecture options are then ignored)");
  cmd.add_option("--log", t.log,
                 "metrics CSV (step, elapsed_s, train_loss, val_loss, grad_norm, lr, "
                 "tokens_per_s, val_accuracy)");
  cmd.add_option("--attention", t.model.attention,
                 "none: the decoder sees only the encoder's final state; dot, general or "
                 "additive: it attends to every input character at every output step")
      ->check(CLI::IsMember({"none", "dot", "general", "additive"}))
      ->capture_default_str();
  cmd.add_flag("--bidirectional", t.model.bidirectional,
               "read each date both ways (hidden/2 units a direction; the decoder starts from "
               "both directions' final h and c concatenated)");
  cmd.add_option("--embed", t.model.embed, "embedding width")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--hidden", t.model.hidden, "hidden width of encoder and decoder")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--layers", t.model.layers, "stacked LSTM layers")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--batch", t.task.batch, "dates per step")
      ->check(cli::positive())
      ->capture_default_str();
  cmd.add_option("--steps", t.steps, "stop after this many steps")
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
                 "initialization, the held-out days (about 10 %) and the dates drawn")
      ->check(cli::non_negative())
      ->capture_default_str();
  cmd.add_option("--eval-every", t.eval_every,
                 "validate on held-out dates every N steps (and after the last)")
      ->check(cli::positive())
      ->capture_default_str();
}

}  // namespace

std::string formats_help() {
  std::string out;
  for (const auto& f : tasks::date_formats())
    out += fmt::format("  {:<16} {:<24} {}\n", f.name, f.pattern, f.example);
  return out;
}

CommandLine::CommandLine()
    : app_(
          "translate: dates as people write them → ISO dates (YYYY-MM-DD), a "
          "sequence-to-sequence LSTM with attention") {
  app_.require_subcommand(1);
  app_.set_version_flag("--version", fmt::format("translate (unroll) {}", version()));
  app_.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("translate: {} (see --help)\n", e.what());
  });
  app_.footer(fmt::format(
      "Input formats (1900–2099; two-digit years YY mean 1950–2049; D, M without a leading "
      "zero, DD, MM with one; Dth an English ordinal 1st, 2nd, 3rd, 4th …; Month, Weekday in "
      "full, Mon, Wkd their first three letters; 요일 the Korean weekday):\n{}",
      formats_help()));
  train_ = app_.add_subcommand(
      "train", "train on generated dates (about 10 % of the days held out) and save a checkpoint");
  eval_ = app_.add_subcommand(
      "eval", "exact-match accuracy on held-out days, by format and by input length");
  predict_ = app_.add_subcommand(
      "predict",
      "translate each line of stdin into one ISO date per line. An empty line, a line over 32 "
      "characters or with a character none of the formats use prints 'error: …' in its place "
      "(exit status 2 at the end)");
  attention_ = app_.add_subcommand(
      "attention",
      "draw the attention weights (input characters × output characters) of one "
      "date as OUT.svg and OUT.png");
  predict_->footer(app_.get_footer());
  add_train_options(*train_, args_.train);
  for (CLI::App* cmd : {eval_, predict_, attention_})
    cmd->add_option("--ckpt", args_.ckpt, "checkpoint (.safetensors)")->required();
  eval_->add_option("--count", args_.count, "held-out dates")
      ->check(cli::positive())
      ->capture_default_str();
  for (CLI::App* cmd : {eval_, predict_})
    cmd->add_option("--beam", args_.beam, "1: greedy; K > 1: beam search keeping K hypotheses")
        ->check(cli::positive())
        ->capture_default_str();
  attention_->add_option("date", args_.text, "the date, e.g. \"3rd of March 2021\"")->required();
  attention_->add_option("--out", args_.out, "output base: writes OUT.svg and OUT.png")->required();
  for (CLI::App* cmd : {train_, eval_, predict_, attention_})
    cmd->add_option("--threads", args_.threads, cli::threads_help())
        ->check(cli::auto_or_count())
        ->capture_default_str();
}

const Arguments& CommandLine::parse(int argc, const char* const* argv) {
  cli::check_command(argc, argv, {"train", "eval", "predict", "attention"});
  app_.parse(argc, argv);
  args_.command = *train_     ? Command::train
                  : *eval_    ? Command::eval
                  : *predict_ ? Command::predict
                              : Command::attention;
  return args_;
}

int CommandLine::exit(const CLI::ParseError& error, std::ostream& out, std::ostream& err) const {
  return app_.exit(error, out, err);
}

}  // namespace unroll::translate
