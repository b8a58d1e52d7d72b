// charlm: train, sample from and evaluate a character-level language model.
//
//   charlm train  [--data FILE] --out CKPT [model and training options]   (see --help)
//   charlm sample --ckpt CKPT [--prime TEXT] [--length N] [--temperature T] [--top-k K]
//   charlm eval   --ckpt CKPT --data FILE [--seq T]
//   charlm states --ckpt CKPT [--data FILE] --out STATES [--layers L,…] [--limit N]
//   charlm cells  --ckpt CKPT [--data FILE] [--html PAGE] [--intervene]
//   charlm sample … --clamp LAYER:CELL[:c]=VALUE …   (a cell held at a value while sampling)
//   charlm demo   --out CKPT [--steps N | --minutes M]       (what `make demo` runs)
//   charlm --version
//
// Every failure exits non-zero with one line on stderr; checkpoints are written atomically.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>

#include "examples/charlm/cli.hpp"
#include "examples/charlm/default_corpus.hpp"
#include "examples/charlm/hidden_state.hpp"
#include "examples/common/output_folder.hpp"
#include "examples/common/ranks.hpp"
#include "examples/common/threads.hpp"
#include "framework/distributed/communicator.hpp"
#include "framework/thread_tuner.hpp"
#include "layers/checkpoint.hpp"
#include "models/char_lm/clamp.hpp"
#include "models/char_lm/evaluate.hpp"
#include "models/char_lm/generate.hpp"
#include "models/char_lm/trainer.hpp"
#include "models/text/corpus.hpp"
#include "models/text/utf8.hpp"
#include "models/training/loop.hpp"

using namespace unroll;

namespace {

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

std::optional<Figures> train(charlm::TrainArgs& a, ThreadTuner* threads) {
  cli::report_job_end("charlm");
  a.train.random_windows = a.windows == "random";
  a.train.trainer.nonfinite =
      a.skip_nonfinite ? training::NonFinite::Skip : training::NonFinite::Stop;
  cli::check_output_folder(a.out);
  if (!a.log.empty()) cli::check_output_folder(a.log);
  const std::u32string text =
      a.data.empty() ? decode_utf8(default_corpus()) : read_text_file(a.data);
  std::unique_ptr<CharLM<float>> model;
  if (!a.resume.empty() || !a.init.empty()) {
    model = load_checkpoint<CharLM<float>>(a.resume.empty() ? a.init : a.resume,
                                           "charlm");  // architecture from its metadata
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
  if (schedule.kind == "cosine" && schedule.cosine_steps == 0)
    schedule.cosine_steps = loop.max_steps;  // --steps or --epochs (the command line checks)
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
  const distributed::Communicator& ranks = task.communicator();
  if (ranks.is_root())
    fmt::print(
        "charlm: {} {}×{} (embed {}), vocabulary {}, {} parameters; {} training and {} "
        "validation symbols{}\n",
        model->config().cell, model->config().layers, model->config().hidden, model->config().embed,
        vocab.size(), model->parameter_count(), corpus.train.size(), corpus.validation.size(),
        ranks.size() > 1 ? fmt::format("; {} ranks of {} rows each", ranks.size(),
                                       a.train.batch / static_cast<std::size_t>(ranks.size()))
                         : "");
  training::LoopResult result;
  try {
    result = training::run_training(trainer, loop);
  } catch (const training::NonFiniteError& e) {
    throw training::NonFiniteError(
        fmt::format("{}; nothing was saved (--skip-nonfinite skips such steps)", e.what()));
  }
  if (!result.last_validation || !ranks.is_root()) return std::nullopt;
  const Figures figures{*result.last_validation / std::log(2.0),
                        unigram_baseline(training_ids, validation_ids, vocab.size()).bits_per_char};
  fmt::print("{}\n", figures.line());
  return figures;
}

int sample_command(const std::string& ckpt, const SampleOptions& options, ThreadTuner* threads,
                   const std::vector<std::string>& clamp_texts = {}) {
  auto model = load_checkpoint<CharLM<float>>(ckpt, "charlm");
  std::vector<CellClamp> clamps;
  for (const auto& text : clamp_texts) clamps.push_back(parse_clamp(text));
  check_clamps(clamps, model->config());
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
      clamps.empty() ? time_each_symbol : clamping_hook(std::move(clamps), time_each_symbol));
  std::fputs("\n", stdout);
  return 0;
}

int eval_command(const std::string& ckpt, const std::string& data, std::size_t seq,
                 ThreadTuner* threads) {
  auto model = load_checkpoint<CharLM<float>>(ckpt, "charlm");
  const auto ids = model->config().vocabulary.encode(read_text_file(data), "eval: " + data);
  const Evaluation e = evaluate(*model, ids, seq, 64, threads);
  fmt::print("{{\"loss_nats\": {:.6f}, \"bits_per_char\": {:.6f}, \"chars\": {}}}\n", e.loss_nats,
             e.bits_per_char, e.chars);
  return 0;
}

// `make demo`: 800 steps of training (about a minute on two free cores; steps, not time, so that
// every machine shows the same sample) on tiny-shakespeare (--data; the embedded corpus without
// it), a sample at temperature 1 among the 20 likeliest symbols, and the figures to judge it by.
// The embedded corpus, this project's source, changes with every commit, and a model this young
// sampled from it fell, for some commits, into runs of 100+ spaces (the runs its aligned code and
// tables hold); Shakespeare's text is fixed and has no such runs (a test: none longer than 40).
int demo_command(charlm::TrainArgs& a, const std::string& prime, cli::Threads& threads) {
  if (!a.steps && !a.minutes) a.steps = 800;
  a.eval_every = 100;
  const std::optional<Figures> figures = train(a, threads.apply(1));
  const SampleOptions options{
      .prime = prime, .length = 600, .temperature = 1.0, .top_k = 20, .seed = 1};
  fmt::print("--- {} characters sampled from {} (temperature {}, among the {} likeliest) ---\n",
             options.length, a.out, options.temperature, options.top_k);
  std::fflush(stdout);
  sample_command(a.out, options, threads.apply(64));
  if (figures) fmt::print("--- {} ---\n", figures->line());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  charlm::CommandLine cli;
  charlm::Arguments a;
  try {
    a = cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parsed the same command line: rank 0 alone reports it.
    const int status = cli.exit(e, cli::root_only(std::cout), cli::root_only(std::cerr));
    cli::wait_for_every_rank();
    return status;
  }
  try {
    cli::Threads threads{a.threads, {}};
    if (a.command != charlm::Command::train)  // only train shares its work among ranks
      cli::require_one_process(cli::command_of("charlm", argc, argv));
    switch (a.command) {
      case charlm::Command::train:
        return train(a.train, threads.apply(1)), 0;
      case charlm::Command::sample:
        return sample_command(a.ckpt, a.sample, threads.apply(64), a.clamps);
      case charlm::Command::states:
        return charlm::states_command(a.ckpt, a.data, a.states, threads.apply(1));
      case charlm::Command::cells:
        return charlm::cells_command(a.ckpt, a.data, a.cells, threads.apply(1));
      case charlm::Command::eval:
        return eval_command(a.ckpt, a.data, a.eval_seq, threads.apply(1));
      case charlm::Command::demo:
        return demo_command(a.train, a.demo_prime, threads);
    }
    return 1;
  } catch (const std::exception& e) {
    return cli::report_failure("charlm", e);
  }
}
