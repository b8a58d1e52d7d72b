// charlm: train, sample from and evaluate a character-level language model.
//
//   charlm train  [--data FILE] --out CKPT [model and training options]   (see --help)
//   charlm sample --ckpt CKPT [--prime TEXT] [--length N] [--temperature T] [--top-k K]
//   charlm eval   --ckpt CKPT --data FILE [--seq T]
//   charlm --version
//
// Every failure exits non-zero with one line on stderr; checkpoints are written atomically.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "examples/charlm/cli.hpp"
#include "examples/charlm/default_corpus.hpp"
#include "framework/gemm.hpp"
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

int train(charlm::TrainArgs& a) {
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
  CharLMTask task(*model, vocab.encode(corpus.train, "training text"),
                  corpus.validation.size() > a.train.seq
                      ? vocab.encode(corpus.validation, "validation text")
                      : std::vector<std::int64_t>{},
                  a.train);

  training::LoopOptions loop;
  loop.checkpoint = a.out, loop.eval_every = a.eval_every, loop.log = a.log;
  loop.keep_best = a.keep_best;
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
  fmt::print(
      "charlm: {} {}×{} (embed {}), vocabulary {}, {} parameters; {} training and {} "
      "validation symbols\n",
      model->config().cell, model->config().layers, model->config().hidden, model->config().embed,
      vocab.size(), model->parameter_count(), corpus.train.size(), corpus.validation.size());
  try {
    training::run_training(trainer, loop);
  } catch (const training::NonFiniteError& e) {
    throw training::NonFiniteError(
        fmt::format("{}; nothing was saved (--skip-nonfinite skips such steps)", e.what()));
  }
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
  charlm::CommandLine cli;
  charlm::Arguments a;
  try {
    a = cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e, std::cout, std::cerr);
  }
  try {
    set_compute_threads(a.threads > 0 ? a.threads : 1);
    switch (a.command) {
      case charlm::Command::train:
        return train(a.train);
      case charlm::Command::sample:
        return sample_command(a.ckpt, a.sample);
      case charlm::Command::eval:
        return eval_command(a.ckpt, a.data, a.eval_seq);
    }
    return 1;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "charlm: {}\n", e.what());
    return 1;
  }
}
