// charlm: train, sample from and evaluate a character-level language model.
//
//   charlm train  [--data FILE] --out CKPT [model and training options]   (see --help)
//   charlm sample --ckpt CKPT [--prime TEXT] [--length N] [--temperature T] [--top-k K]
//   charlm eval   --ckpt CKPT --data FILE [--seq T]
//   charlm demo   --out CKPT [--steps N | --minutes M]       (what `make demo` runs)
//   charlm --version
//
// Every failure exits non-zero with one line on stderr; checkpoints are written atomically.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "examples/charlm/default_corpus.hpp"
#include "framework/gemm.hpp"
#include "framework/thread_tuner.hpp"
#include "framework/version.hpp"
#include "layers/checkpoint.hpp"
#include "models/char_lm/evaluate.hpp"
#include "models/char_lm/generate.hpp"
#include "models/char_lm/trainer.hpp"
#include "models/text/corpus.hpp"
#include "models/text/utf8.hpp"
#include "models/training/loop.hpp"

using namespace unroll;
namespace fs = std::filesystem;

namespace {

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

// `--threads`: "auto" (a tuner that times the work on 1 and on every core) or a count.
struct Threads {
  std::string value = "auto";
  std::optional<ThreadTuner> tuner;
  // Sets a forced count now, or starts the tuner, which times blocks of `block` steps.
  ThreadTuner* apply(std::size_t block) {
    if (value != "auto") {
      set_compute_threads(std::stoi(value));
      return nullptr;
    }
    tuner.emplace(ThreadTunerOptions{.block = block});
    return &*tuner;
  }
};

// What a newcomer can judge a run by: its validation bits per character beside a unigram
// model's (the training text's character frequencies alone).
struct Figures {
  double bits_per_char = 0, unigram_bits_per_char = 0;
  std::string line() const {
    return fmt::format(
        "validation: {:.3f} bits per character; {:.3f} from the training text's character "
        "frequencies alone (a unigram model)",
        bits_per_char, unigram_bits_per_char);
  }
};

std::optional<Figures> train(TrainArgs& a, ThreadTuner* threads) {
  a.train.random_windows = a.windows == "random";
  a.train.trainer.nonfinite =
      a.skip_nonfinite ? training::NonFinite::Skip : training::NonFinite::Stop;
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
  const std::vector<std::int64_t> training_ids = vocab.encode(corpus.train, "training text");
  const std::vector<std::int64_t> validation_ids =
      corpus.validation.size() > a.train.seq ? vocab.encode(corpus.validation, "validation text")
                                             : std::vector<std::int64_t>{};
  CharLMTask task(*model, training_ids, validation_ids, a.train);

  training::LoopOptions loop;
  loop.checkpoint = a.out, loop.eval_every = a.eval_every, loop.log = a.log;
  loop.keep_best = a.keep_best;
  loop.threads = threads;
  if (a.steps) loop.max_steps = *a.steps;
  if (a.epochs) loop.max_steps = *a.epochs * static_cast<std::int64_t>(task.windows_per_epoch());
  if (a.minutes) loop.max_seconds = *a.minutes * 60.0;
  auto& schedule = a.train.trainer.schedule;
  if (schedule.kind == "cosine" && schedule.cosine_steps == 0) {
    if (!a.steps && !a.epochs)
      throw ValueError("--lr-schedule cosine needs --steps, --epochs or --cosine-steps");
    schedule.cosine_steps = loop.max_steps;
  }
  training::Trainer trainer(task, a.train.trainer);
  if (!a.resume.empty()) trainer.load_state(a.resume);
  if (a.sample_every > 0) {
    loop.report_every = a.sample_every;
    loop.report = [&](std::int64_t step) {
      return fmt::format(
          "--- sample at step {} ---\n{}\n---", step,
          sample(*model, SampleOptions{.prime = "", .length = 200, .temperature = 0.8, .seed = 1}));
    };
  }
  fmt::print(
      "charlm: {} {}×{} (embed {}), vocabulary {}, {} parameters; {} training and {} "
      "validation symbols\n",
      model->config().cell, model->config().layers, model->config().hidden, model->config().embed,
      vocab.size(), model->parameter_count(), corpus.train.size(), corpus.validation.size());
  training::LoopResult result;
  try {
    result = training::run_training(trainer, loop);
  } catch (const training::NonFiniteError& e) {
    throw training::NonFiniteError(
        fmt::format("{}; nothing was saved (--skip-nonfinite skips such steps)", e.what()));
  }
  if (!result.last_validation) return std::nullopt;
  const Figures figures{*result.last_validation / std::log(2.0),
                        unigram_baseline(training_ids, validation_ids, vocab.size()).bits_per_char};
  fmt::print("{}\n", figures.line());
  return figures;
}

int sample_command(const std::string& ckpt, SampleOptions& options, ThreadTuner* threads) {
  auto model = load_model(ckpt);
  std::fputs(options.prime.c_str(), stdout);
  auto last = std::chrono::steady_clock::now();
  GenerationHook<float> time_each_symbol;
  if (threads) {
    threads->before_step();
    time_each_symbol = [&](GenerationStep<float>&) {
      const auto now = std::chrono::steady_clock::now();
      threads->after_step(std::chrono::duration<double>(now - last).count());
      threads->before_step();
      last = now;
    };
  }
  sample(
      *model, options,
      [](const std::string& symbol) {
        std::fputs(symbol.c_str(), stdout);
        std::fflush(stdout);
      },
      time_each_symbol);
  std::fputs("\n", stdout);
  return 0;
}

int eval_command(const std::string& ckpt, const std::string& data, std::size_t seq,
                 ThreadTuner* threads) {
  auto model = load_model(ckpt);
  const auto ids = model->config().vocabulary.encode(read_text_file(data), "eval: " + data);
  const Evaluation e = evaluate(*model, ids, seq, 64, threads);
  fmt::print("{{\"loss_nats\": {:.6f}, \"bits_per_char\": {:.6f}, \"chars\": {}}}\n", e.loss_nats,
             e.bits_per_char, e.chars);
  return 0;
}

// `make demo`: a minute of training on the embedded corpus, a sample with settings that do not
// collapse on it, and the figures to judge them by. At temperature 0.7 a model this young falls
// into the long runs of spaces the corpus aligns its code with and stays there; at 0.9 among
// the 20 likeliest symbols it writes code-like text (a test: no symbol repeated 40 times).
int demo_command(TrainArgs& a, Threads& threads) {
  if (!a.steps && !a.minutes) a.minutes = 1.0;
  a.eval_every = 100;
  const std::optional<Figures> figures = train(a, threads.apply(1));
  SampleOptions options{
      .prime = "template <class T>", .length = 600, .temperature = 0.9, .top_k = 20, .seed = 1};
  fmt::print("--- {} characters sampled from {} (temperature {}, among the {} likeliest) ---\n",
             options.length, a.out, options.temperature, options.top_k);
  std::fflush(stdout);
  sample_command(a.out, options, threads.apply(64));
  if (figures) fmt::print("--- {} ---\n", figures->line());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"charlm: train, sample from and evaluate a character-level language model"};
  app.require_subcommand(1);
  app.set_version_flag("--version", fmt::format("charlm (unroll) {}", version()));
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
  train_cmd
      ->add_option("--temporal-skip", t.model.temporal_skip,
                   "a temporal skip of distance k, of the kind --skip-mode says (0: off)")
      ->capture_default_str();
  train_cmd
      ->add_option("--skip-mode", t.model.skip_mode,
                   "output: h(t) = (1-w) o(t) + w o(t-k), w = 0.5, o the cell's own output; "
                   "dilated: the cell reads h(t-d), d = k·2^layer; accumulate: h(t) = o(t) + "
                   "h(t-k), which grows with the sequence (kept for old checkpoints)")
      ->check(CLI::IsMember({"output", "dilated", "accumulate"}))
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
  train_cmd->add_option("--optimizer", t.train.trainer.optimizer, "adam | sgd | adagrad | rmsprop")
      ->check(CLI::IsMember({"adam", "sgd", "adagrad", "rmsprop"}))
      ->capture_default_str();
  train_cmd->add_option("--lr", t.train.trainer.lr, "learning rate (the peak, with a schedule)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  auto* clip_norm = train_cmd
                        ->add_option("--clip-norm", t.train.trainer.clip_norm,
                                     "clip the gradients' total L2 norm to this (0: off)")
                        ->check(CLI::NonNegativeNumber)
                        ->capture_default_str();
  train_cmd
      ->add_option("--clip-value", t.train.trainer.clip_value,
                   "clip each gradient element to ±this (0: off; replaces --clip-norm)")
      ->check(CLI::NonNegativeNumber)
      ->excludes(clip_norm);
  auto& schedule = t.train.trainer.schedule;
  train_cmd
      ->add_option("--lr-schedule", schedule.kind,
                   "constant; step: × --lr-gamma every --lr-step-size steps; cosine: a half "
                   "cosine from --lr down to --min-lr at --cosine-steps; plateau: halved after "
                   "--patience validations without improvement")
      ->check(CLI::IsMember({"constant", "step", "cosine", "plateau"}))
      ->capture_default_str();
  train_cmd
      ->add_option("--warmup", schedule.warmup, "linear warm-up from 0 over N steps (any schedule)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train_cmd->add_option("--lr-step-size", schedule.step_size, "step: steps between decays")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd->add_option("--lr-gamma", schedule.gamma, "step: the factor of each decay")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd
      ->add_option("--cosine-steps", schedule.cosine_steps,
                   "cosine: the step at which it reaches --min-lr (default: --steps, or "
                   "the steps of --epochs)")
      ->check(CLI::PositiveNumber);
  train_cmd
      ->add_option("--patience", schedule.patience,
                   "plateau: validations without improvement before halving")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd->add_option("--min-lr", schedule.min_lr, "cosine and plateau: the lowest rate")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  train_cmd
      ->add_option("--val-fraction", t.val_fraction,
                   "last fraction of the text kept for validation")
      ->check(CLI::Range(0.0, 0.99))
      ->capture_default_str();
  train_cmd->add_option("--seed", t.train.seed, "initialization, data offsets and dropout")
      ->capture_default_str();
  train_cmd->add_option(
      "--log", t.log,
      "metrics CSV (step, elapsed_s, train_loss, val_loss, grad_norm, lr, tokens_per_s; skipped "
      "with --skip-nonfinite)");
  train_cmd->add_option("--eval-every", t.eval_every, "validate every N steps (and after the last)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  train_cmd->add_flag(
      "--keep-best", t.keep_best,
      "also keep the checkpoint of the lowest validation loss as NAME.best.safetensors "
      "(its val_loss in the metadata)");
  train_cmd->add_flag("--skip-nonfinite", t.skip_nonfinite,
                      "skip a step whose loss or gradient norm is inf or NaN (counted in the log) "
                      "instead of stopping; such a step is never applied either way");
  train_cmd
      ->add_option("--sample-every", t.sample_every, "print a 200-character sample every N steps")
      ->check(CLI::PositiveNumber);
  Threads threads;
  const std::string threads_help =
      "threads for GEMMs and elementwise kernels: auto times the work on one thread and on "
      "every core and keeps the faster (again when its speed changes; the status line shows the "
      "choice), N forces N. Results are the same either way";
  const CLI::Validator auto_or_count(
      [](std::string& value) -> std::string {
        if (value == "auto") return "";
        if (!value.empty() && value.size() < 5 &&
            value.find_first_not_of("0123456789") == std::string::npos && std::stoi(value) > 0)
          return "";
        return "'" + value + "' is neither auto nor a positive number of threads";
      },
      "auto|N");
  train_cmd->add_option("--threads", threads.value, threads_help)
      ->check(auto_or_count)
      ->capture_default_str();

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
  sample_cmd->add_option("--threads", threads.value, threads_help)
      ->check(auto_or_count)
      ->capture_default_str();

  std::size_t eval_seq = 64;
  auto* eval_cmd =
      app.add_subcommand("eval", "mean loss of a checkpoint on a text, as one JSON line");
  eval_cmd->add_option("--ckpt", ckpt, "checkpoint (.safetensors)")->required();
  eval_cmd->add_option("--data", data, "UTF-8 text")->required();
  eval_cmd->add_option("--seq", eval_seq, "window length (each window starts from a zero state)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  eval_cmd->add_option("--threads", threads.value, threads_help)
      ->check(auto_or_count)
      ->capture_default_str();

  TrainArgs demo;
  auto* demo_cmd = app.add_subcommand(
      "demo",
      "what `make demo` runs: train the default model on the embedded corpus for a minute, "
      "sample 600 characters from it, and print its validation bits per character beside a "
      "unigram model's");
  demo_cmd->add_option("--out", demo.out, "checkpoint to write (.safetensors)")->required();
  auto* demo_steps = demo_cmd->add_option("--steps", demo.steps, "train this many steps instead")
                         ->check(CLI::PositiveNumber);
  demo_cmd->add_option("--minutes", demo.minutes, "train this long (default 1)")
      ->check(CLI::PositiveNumber)
      ->excludes(demo_steps);
  demo_cmd->add_option("--threads", threads.value, threads_help)
      ->check(auto_or_count)
      ->capture_default_str();

  const std::string first = argc > 1 ? argv[1] : "";
  if (!first.empty() && first[0] != '-' && first != "train" && first != "sample" &&
      first != "eval" && first != "demo") {
    fmt::print(stderr,
               "charlm: unknown command '{}' (expected train, sample, eval or demo; see --help)\n",
               argv[1]);
    return 1;
  }
  CLI11_PARSE(app, argc, argv);
  try {
    if (*train_cmd) return train(t, threads.apply(1)), 0;
    if (*demo_cmd) return demo_command(demo, threads);
    if (*sample_cmd) return sample_command(ckpt, s, threads.apply(64));
    return eval_command(ckpt, data, eval_seq, threads.apply(1));
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "charlm: {}\n", e.what());
    return 1;
  }
}
