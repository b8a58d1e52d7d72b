// charlm: train, sample from and evaluate a character-level language model.
//
//   charlm train  [--data FILE] --out CKPT [model and training options]   (see --help)
//   charlm sample --ckpt CKPT [--prime TEXT] [--length N] [--temperature T] [--top-k K]
//   charlm eval   --ckpt CKPT --data FILE [--seq T]
//
// Every failure exits non-zero with one line on stderr; checkpoints are written atomically.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "examples/charlm/default_corpus.hpp"
#include "framework/gemm.hpp"
#include "layers/checkpoint.hpp"
#include "models/char_lm/evaluate.hpp"
#include "models/char_lm/generate.hpp"
#include "models/char_lm/trainer.hpp"
#include "models/text/corpus.hpp"
#include "models/text/utf8.hpp"

using namespace unroll;
namespace fs = std::filesystem;

namespace {

volatile std::sig_atomic_t interrupted = 0;
void on_sigint(int) { interrupted = 1; }

struct TrainArgs {
  std::string data, init, resume, out, log, windows = "stream";
  CharLMConfig model;
  TrainOptions train;
  std::optional<std::int64_t> steps, epochs;
  std::optional<double> minutes;
  double val_fraction = 0.1;
  std::int64_t sample_every = 0, eval_every = 0;
  int threads = 0;
};

// ValueError unless `path`'s folder exists, so a long run cannot end unable to save.
void check_output_folder(const std::string& path) {
  const fs::path parent = fs::absolute(path).parent_path();
  if (!fs::is_directory(parent))
    throw ValueError(fmt::format("output folder '{}' does not exist", parent.string()));
  if (access(parent.c_str(), W_OK) != 0)
    throw ValueError(fmt::format("output folder '{}' is not writable", parent.string()));
}

std::unique_ptr<CharLM<float>> load_model(const std::string& checkpoint) {
  const io::SafetensorsFile file = io::read_safetensors(checkpoint);
  CharLMConfig config;
  try {
    config = CharLMConfig::from_metadata(file.metadata);
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("'{}' is not a charlm checkpoint: {}", checkpoint, e.what()));
  }
  auto model = std::make_unique<CharLM<float>>(config);
  load_parameters(*model, file);
  return model;
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(seconds);
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60)
                   : fmt::format("{}m{:02}s", s / 60, s % 60);
}

int train(TrainArgs& a) {
  a.train.random_windows = a.windows == "random";
  check_output_folder(a.out);
  if (!a.log.empty()) check_output_folder(a.log);
  const std::u32string text =
      a.data.empty() ? decode_utf8(default_corpus()) : read_text_file(a.data);
  std::unique_ptr<CharLM<float>> model;
  if (!a.resume.empty() || !a.init.empty()) {
    model = load_model(a.resume.empty() ? a.init : a.resume);  // architecture from its metadata
  } else {
    a.model.vocabulary = Vocabulary::from_text(text);
    model = std::make_unique<CharLM<float>>(a.model, a.train.seed);
  }
  const Corpus corpus = split_corpus(text, a.val_fraction);
  const Vocabulary& vocab = model->config().vocabulary;
  Trainer trainer(*model, vocab.encode(corpus.train, "training text"), a.train);
  if (!a.resume.empty()) trainer.load_state(a.resume);
  const auto val_ids = corpus.validation.size() > a.train.seq
                           ? vocab.encode(corpus.validation, "validation text")
                           : std::vector<std::int64_t>{};

  const std::int64_t total =
      a.steps    ? *a.steps
      : a.epochs ? *a.epochs * static_cast<std::int64_t>(trainer.windows_per_epoch())
                 : std::numeric_limits<std::int64_t>::max();
  const double budget_s = a.minutes ? *a.minutes * 60.0 : 0.0;
  const bool terminal = isatty(STDOUT_FILENO);
  std::ofstream log;
  if (!a.log.empty()) {
    // A resumed run appends to its log rather than erasing the rows it already wrote.
    const bool append = !a.resume.empty() && fs::exists(a.log) && fs::file_size(a.log) > 0;
    log.open(a.log, append ? std::ios::app : std::ios::trunc);
    if (!log) throw ValueError(fmt::format("cannot write the log '{}'", a.log));
    if (!append) log << "step,elapsed_s,train_loss,val_loss,grad_norm,lr,tokens_per_s\n";
  }
  fmt::print(
      "charlm: {} {}×{} (embed {}), vocabulary {}, {} parameters; {} training and {} "
      "validation symbols\n",
      model->config().cell, model->config().layers, model->config().hidden, model->config().embed,
      vocab.size(), model->parameter_count(), corpus.train.size(), corpus.validation.size());
  std::signal(SIGINT, on_sigint);
  const auto start = std::chrono::steady_clock::now();
  double last_val = NAN, tokens_per_s = 0;
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const std::int64_t first = trainer.steps_done();
  const std::int64_t eval_every = a.eval_every > 0 ? a.eval_every : 250;
  const std::int64_t report_every = terminal ? 1 : 50;
  while (trainer.steps_done() < total && !interrupted && !(budget_s > 0 && elapsed() >= budget_s)) {
    const StepResult r = trainer.step();
    const std::int64_t step = trainer.steps_done();
    const double t = elapsed();
    tokens_per_s =
        static_cast<double>((step - first) * trainer.tokens_per_step()) / std::max(t, 1e-9);
    const bool final_step = step == total || (budget_s > 0 && t >= budget_s);
    if (!val_ids.empty() && (step % eval_every == 0 || final_step))
      last_val = evaluate(*model, val_ids, a.train.seq).loss_nats;
    if (log.is_open())
      log << fmt::format("{},{:.3f},{:.5f},{},{:.5f},{:g},{:.1f}\n", step, t, r.loss,
                         std::isnan(last_val) ? std::string() : fmt::format("{:.5f}", last_val),
                         r.grad_norm, trainer.optimizer().lr(), tokens_per_s)
          << std::flush;
    if (step % report_every == 0 || final_step) {
      const std::string val = std::isnan(last_val) ? "-"
                                                   : fmt::format("{:.4f} ({:.3f} bpc)", last_val,
                                                                 last_val / std::log(2.0));
      const std::string of_total =
          total == std::numeric_limits<std::int64_t>::max() ? "" : fmt::format("/{}", total);
      double remaining = budget_s > 0 ? budget_s - t : 0;
      if (total != std::numeric_limits<std::int64_t>::max())
        remaining = std::max(
            remaining, (t / static_cast<double>(step - first)) * static_cast<double>(total - step));
      const std::string line =
          fmt::format("step {}{}  loss {:.4f}  val {}  {:.0f} tok/s  |g| {:.2f}  ETA {}", step,
                      of_total, r.loss, val, tokens_per_s, r.grad_norm, format_duration(remaining));
      if (terminal)
        fmt::print("\r\033[K{}", line), std::fflush(stdout);
      else
        fmt::print("{}\n", line);
    }
    if (a.sample_every > 0 && step % a.sample_every == 0) {
      if (terminal) fmt::print("\n");
      fmt::print(
          "--- sample at step {} ---\n{}\n---\n", step,
          sample(*model, SampleOptions{.prime = "", .length = 200, .temperature = 0.8, .seed = 1}));
    }
  }
  if (terminal) fmt::print("\n");
  trainer.save(a.out);
  fmt::print("{}saved {} after {} steps ({:.1f} s)\n", interrupted ? "interrupted: " : "", a.out,
             trainer.steps_done(), elapsed());
  return 0;
}

int sample_command(const std::string& ckpt, SampleOptions& options) {
  auto model = load_model(ckpt);
  std::fputs(options.prime.c_str(), stdout);
  sample(*model, options, [](const std::string& symbol) {
    std::fputs(symbol.c_str(), stdout);
    std::fflush(stdout);
  });
  std::fputs("\n", stdout);
  return 0;
}

int eval_command(const std::string& ckpt, const std::string& data, std::size_t seq) {
  auto model = load_model(ckpt);
  const auto ids = model->config().vocabulary.encode(read_text_file(data), "eval: " + data);
  const Evaluation e = evaluate(*model, ids, seq);
  fmt::print("{{\"loss_nats\": {:.6f}, \"bits_per_char\": {:.6f}, \"chars\": {}}}\n", e.loss_nats,
             e.bits_per_char, e.chars);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"charlm: train, sample from and evaluate a character-level language model"};
  app.require_subcommand(1);
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("charlm: {} (see --help)\n", e.what());
  });

  TrainArgs t;
  auto* train_cmd = app.add_subcommand("train",
                                       "train a model (on the embedded default corpus "
                                       "when no --data is given) and save a checkpoint");
  train_cmd->add_option("--data", t.data,
                        "UTF-8 training text (the last --val-fraction is validation)");
  auto* init = train_cmd->add_option(
      "--init", t.init, "start from this checkpoint's weights, vocabulary and architecture");
  train_cmd
      ->add_option("--resume", t.resume,
                   "continue an interrupted run exactly (weights and training state)")
      ->excludes(init);
  train_cmd->add_option("--out", t.out, "checkpoint to write (.safetensors)")->required();
  train_cmd->add_option("--cell", t.model.cell, "rnn | lstm | gru")
      ->check(CLI::IsMember({"rnn", "lstm", "gru"}))
      ->capture_default_str();
  train_cmd->add_option("--nonlinearity", t.model.nonlinearity, "tanh | relu (rnn only)")
      ->check(CLI::IsMember({"tanh", "relu"}))
      ->capture_default_str();
  train_cmd->add_option("--embed", t.model.embed, "embedding width")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd->add_option("--hidden", t.model.hidden, "hidden width")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd->add_option("--layers", t.model.layers, "stacked layers")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd->add_flag("--residual", t.model.residual, "residual connections between layers");
  train_cmd->add_option("--dropout", t.model.dropout, "dropout between layers")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  train_cmd->add_option("--temporal-skip", t.model.temporal_skip, "add h(t-k) to h(t) (0: off)")
      ->capture_default_str();
  train_cmd->add_flag("--recompute", t.model.recompute,
                      "keep only each block of steps' inputs and run the block again in backward: "
                      "less memory, about a quarter slower");
  train_cmd->add_option("--seq", t.train.seq, "characters per window (truncated BPTT length)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd->add_option("--batch", t.train.batch, "streams (or windows) trained in parallel")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd
      ->add_option(
          "--windows", t.windows,
          "stream: B streams read in order, states carried from window to window "
          "(char-rnn); random: B windows at random positions every step, each from a "
          "zero state (as eval scores them); an epoch is then as many characters as the text holds")
      ->check(CLI::IsMember({"stream", "random"}))
      ->capture_default_str();
  auto* steps = train_cmd->add_option("--steps", t.steps, "stop after this many steps")
                    ->check(CLI::PositiveNumber);
  auto* epochs = train_cmd->add_option("--epochs", t.epochs, "stop after this many epochs")
                     ->check(CLI::PositiveNumber)
                     ->excludes(steps);
  train_cmd->add_option("--minutes", t.minutes, "stop after this much wall time")
      ->check(CLI::PositiveNumber)
      ->excludes(steps)
      ->excludes(epochs);
  train_cmd->add_option("--optimizer", t.train.optimizer, "adam | sgd | adagrad | rmsprop")
      ->check(CLI::IsMember({"adam", "sgd", "adagrad", "rmsprop"}))
      ->capture_default_str();
  train_cmd->add_option("--lr", t.train.lr, "learning rate")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  auto* clip_norm = train_cmd
                        ->add_option("--clip-norm", t.train.clip_norm,
                                     "clip the gradients' total L2 norm to this (0: off)")
                        ->check(CLI::NonNegativeNumber)
                        ->capture_default_str();
  train_cmd
      ->add_option("--clip-value", t.train.clip_value,
                   "clip each gradient element to ±this (0: off; replaces --clip-norm)")
      ->check(CLI::NonNegativeNumber)
      ->excludes(clip_norm);
  train_cmd
      ->add_option("--val-fraction", t.val_fraction,
                   "last fraction of the text kept for validation")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  train_cmd->add_option("--seed", t.train.seed, "initialization, data offsets and dropout")
      ->capture_default_str();
  train_cmd->add_option(
      "--log", t.log,
      "metrics CSV (step, elapsed_s, train_loss, val_loss, grad_norm, lr, tokens_per_s)");
  train_cmd->add_option("--eval-every", t.eval_every, "validate every N steps (default 250)")
      ->check(CLI::PositiveNumber);
  train_cmd
      ->add_option("--sample-every", t.sample_every, "print a 200-character sample every N steps")
      ->check(CLI::PositiveNumber);
  const std::string threads_help =
      "threads for GEMMs and elementwise kernels (default 1; 2 uses both cores: faster on an idle "
      "machine, slower when another program keeps the other core busy)";
  train_cmd->add_option("--threads", t.threads, threads_help)->check(CLI::PositiveNumber);

  std::string ckpt, data;
  SampleOptions s;
  auto* sample_cmd = app.add_subcommand("sample", "generate text from a checkpoint, streaming it");
  sample_cmd->add_option("--ckpt", ckpt, "checkpoint (.safetensors)")->required();
  sample_cmd->add_option("--prime", s.prime,
                         "text to start from (its symbols must be in the vocabulary)");
  sample_cmd->add_option("--length", s.length, "characters to generate")->capture_default_str();
  sample_cmd->add_option("--temperature", s.temperature, "0: greedy; lower is more conservative")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sample_cmd->add_option("--top-k", s.top_k, "sample among the k most likely (0: all)")
      ->capture_default_str();
  sample_cmd->add_option("--seed", s.seed, "random seed")->capture_default_str();
  sample_cmd->add_option("--threads", t.threads, threads_help)->check(CLI::PositiveNumber);

  std::size_t eval_seq = 64;
  auto* eval_cmd =
      app.add_subcommand("eval", "mean loss of a checkpoint on a text, as one JSON line");
  eval_cmd->add_option("--ckpt", ckpt, "checkpoint (.safetensors)")->required();
  eval_cmd->add_option("--data", data, "UTF-8 text")->required();
  eval_cmd->add_option("--seq", eval_seq, "window length (each window starts from a zero state)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  eval_cmd->add_option("--threads", t.threads, threads_help)->check(CLI::PositiveNumber);

  const std::string first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first[0] != '-' && first != "train" && first != "sample" &&
      first != "eval") {
    fmt::print(stderr,
               "charlm: unknown command '{}' (expected train, sample or eval; see --help)\n",
               argv[1]);
    return 1;
  }
  CLI11_PARSE(app, argc, argv);
  try {
    set_compute_threads(t.threads > 0 ? t.threads : 1);
    if (*train_cmd) return train(t);
    if (*sample_cmd) return sample_command(ckpt, s);
    return eval_command(ckpt, data, eval_seq);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "charlm: {}\n", e.what());
    return 1;
  }
}
