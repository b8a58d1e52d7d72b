// tag: a learned syntax highlighter. A synchronous many-to-many RNN over characters tags every
// character of C/C++ source as code, comment, literal, number or preprocessor directive.
//
//   tag train   --out CKPT [--cell lstm|gru] [--direction uni|bi] [--steps N] …
//   tag eval    --ckpt CKPT
//   tag predict --ckpt CKPT [--color auto|always|never] < source.cpp
//
// Every failure exits non-zero with one line on stderr; checkpoints are written atomically.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "examples/common/output_folder.hpp"
#include "examples/common/ranks.hpp"
#include "examples/common/threads.hpp"
#include "examples/tag/cli.hpp"
#include "examples/tag/render.hpp"
#include "layers/checkpoint.hpp"
#include "models/tagger/evaluate.hpp"
#include "models/text/utf8.hpp"
#include "models/training/loop.hpp"

using namespace unroll;
using namespace unroll::tagger;

namespace {

constexpr double kHeldOutFraction = 0.2;
// Text read: enough variety for a few minutes of training; the held-out text eval tags.
constexpr std::size_t kTrainBytes = 4'000'000, kHeldOutBytes = 400'000;
// Symbols rarer than this in the training text read as <unk>.
constexpr std::size_t kMinSymbolCount = 20;
// Held-out windows that training validates on.
constexpr std::size_t kValidationWindows = 64;

TaggedFiles find_data(const std::string& root, std::uint64_t seed) {
  TaggedFiles data = load_tagged_files(root, seed, kHeldOutFraction, kTrainBytes, kHeldOutBytes);
  if (cli::is_root())
    fmt::print("tag: {} training files, {} held out ({} and {} read)\n", data.train_files,
               data.held_out_files, data.train.size(), data.held_out.size());
  return data;
}

int train(tag::TrainArgs& a, const std::string& root, ThreadTuner* threads) {
  cli::report_job_end("tag");
  cli::check_output_folder(a.out);
  if (!a.log.empty()) cli::check_output_folder(a.log);
  // A resumed run's architecture and vocabulary are its checkpoint's (read first: a bad file
  // fails before the data is read); its --seed must be the same (Trainer::load_state).
  std::unique_ptr<Tagger<float>> model =
      a.resume.empty() ? nullptr : load_checkpoint<Tagger<float>>(a.resume, "tag");
  TaggedFiles data = find_data(root, a.task.seed);
  if (!model) {
    a.model.vocabulary = frequent_symbols(data.train, kMinSymbolCount);
    model = std::make_unique<Tagger<float>>(a.model, a.task.seed);
  }
  std::mt19937_64 rng(a.task.seed + 1);
  WindowBatch validation =
      draw_windows(data.held_out, model->config(), kValidationWindows, a.task.window, rng);
  TaggerTask task(*model, std::move(data.train), std::move(validation), a.task);
  const TaggerConfig& c = model->config();
  if (cli::is_root())
    fmt::print(
        "tag: {} {} {} (embed {}), vocabulary {} + <unk>, {} parameters\n",
        c.bidirectional ? "bidirectional" : "unidirectional", c.cell,
        c.layers == 1 ? fmt::format("{}", c.hidden) : fmt::format("{}×{}", c.layers, c.hidden),
        c.embed, c.vocabulary.size(), model->parameter_count());
  training::LoopOptions loop;
  loop.checkpoint = a.out, loop.eval_every = a.eval_every, loop.log = a.log;
  loop.threads = threads;
  loop.max_steps = a.steps;
  training::Trainer trainer(task, a.trainer);
  if (!a.resume.empty()) trainer.load_state(a.resume);
  training::run_training(trainer, loop);
  return 0;
}

int eval_command(const std::string& ckpt, const std::string& root, ThreadTuner* threads) {
  auto model = load_checkpoint<Tagger<float>>(ckpt, "tag");
  const TaggedFiles data = find_data(root, checkpoint_seed(ckpt));
  const Evaluation e = evaluate(*model, data.held_out, threads);
  fmt::print("held-out: {} characters of {} files never trained on\n", e.characters,
             data.held_out.size());
  fmt::print("accuracy {:.3f} %\n{}", 100 * e.accuracy(), format_report(e));
  return 0;
}

// The whole of stdin as one UTF-8 text; ValueError when empty, over-long or not UTF-8.
std::u32string read_source() {
  std::string bytes;
  char buffer[65536];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
    bytes.append(buffer, n);
    if (bytes.size() > tag::kMaxInputBytes)
      throw ValueError(
          fmt::format("predict: the input is longer than {} bytes", tag::kMaxInputBytes));
  }
  if (bytes.empty()) throw ValueError("predict: the input is empty");
  try {
    return decode_utf8(bytes);
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("predict: the input is not UTF-8 text: {}", e.what()));
  }
}

int predict_command(const std::string& ckpt, tag::Color color, ThreadTuner* threads) {
  auto model = load_checkpoint<Tagger<float>>(ckpt, "tag");
  const std::u32string text = read_source();
  const auto tags = predict_tags(*model, text, 64, threads);
  const bool coloured =
      color == tag::Color::always || (color == tag::Color::automatic && isatty(STDOUT_FILENO));
  const std::string out =
      coloured ? tag::render_colour(text, tags) : tag::render_letters(text, tags);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  tag::CommandLine cli(UNROLL_SOURCE_DIR);
  tag::Arguments a;
  try {
    a = cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parsed the same command line: rank 0 alone reports it.
    const int status = cli.exit(e, cli::root_only(std::cout), cli::root_only(std::cerr));
    cli::wait_for_every_rank();
    return status;
  }
  try {
    if (a.command != tag::Command::train)  // train alone shares its work among ranks
      cli::require_one_process(cli::command_of("tag", argc, argv));
    cli::Threads threads{a.threads, {}};
    switch (a.command) {
      case tag::Command::train:
        return train(a.train, a.root, threads.apply(1));
      case tag::Command::eval:
        return eval_command(a.ckpt, a.root, threads.apply(1));
      case tag::Command::predict:
        return predict_command(a.ckpt, a.colour(), threads.apply(1));
    }
    return 1;
  } catch (const std::exception& e) {
    return cli::report_failure("tag", e);
  }
}
