// classify: what kind of text is this snippet? A many-to-one RNN over characters.
//
//   classify train   --out CKPT [--cell lstm|gru] [--bidirectional] [--pooling last|mean|max] …
//   classify eval    --ckpt CKPT [--per-bucket N]
//   classify predict --ckpt CKPT < snippets.txt      (one snippet per line; \n for a newline)
//
// Every failure exits non-zero with one line on stderr; checkpoints are written atomically.
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "examples/classify/cli.hpp"
#include "examples/classify/snippet_line.hpp"
#include "examples/common/output_folder.hpp"
#include "examples/common/ranks.hpp"
#include "examples/common/threads.hpp"
#include "layers/checkpoint.hpp"
#include "models/classifier/evaluate.hpp"
#include "models/training/loop.hpp"

using namespace unroll;
using namespace unroll::classifier;

namespace {

constexpr double kHeldOutFraction = 0.2;
// Text read per class: enough variety for a few minutes of training, little memory.
constexpr std::size_t kTrainBytes = 4'000'000, kHeldOutBytes = 1'000'000;
// Default training: enough for ≥ 95 % at snippet length ≥ 64 on held-out files, the same on
// every machine (bench/RESULTS.md).
constexpr std::int64_t kDefaultSteps = 12000;
// Symbols rarer than this in the training text read as <unk>.
constexpr std::size_t kMinSymbolCount = 20;
// Held-out snippets per class and length bucket that training validates on.
constexpr std::size_t kValidationPerBucket = 16;

// The classes found under `root` and the system, split by file with `seed`; prints what was
// found. ValueError when `root` is not a folder (the system's files alone are not the data).
std::vector<SplitClass> find_data(const std::string& root, std::uint64_t seed) {
  if (!std::filesystem::is_directory(root))
    throw ValueError(fmt::format("--root '{}' is not a folder", root));
  const std::vector<FoundClass> found = discover_classes(default_classes(root));
  const std::vector<SplitClass> split = split_by_file(found, kHeldOutFraction, seed);
  if (cli::is_root()) fmt::print("classify: found {}\n", describe(found));
  return split;
}

int train(classify::TrainArgs& a, const std::string& root, ThreadTuner* threads) {
  cli::report_job_end("classify");
  cli::check_output_folder(a.out);
  if (!a.log.empty()) cli::check_output_folder(a.log);
  // A resumed run's architecture, vocabulary and classes are its checkpoint's (read first: a bad
  // file fails before the data is read); its --seed must be the same (Trainer::load_state).
  std::unique_ptr<Classifier<float>> model =
      a.resume.empty() ? nullptr : load_checkpoint<Classifier<float>>(a.resume, "classify");
  const std::vector<SplitClass> split = find_data(root, a.task.seed);
  std::vector<ClassText> train_texts = load_texts(split, false, kTrainBytes);
  const std::vector<ClassText> held_out = load_texts(split, true, kHeldOutBytes);
  if (!model) {
    for (const auto& c : split) a.model.classes.push_back(c.name);
    a.model.vocabulary = frequent_symbols(train_texts, kMinSymbolCount);
    model = std::make_unique<Classifier<float>>(a.model, a.task.seed);
  }
  ClassifierTask task(*model, std::move(train_texts),
                      stratified_snippets(held_out, kValidationPerBucket, a.task.seed + 1), a.task);
  const ClassifierConfig& c = model->config();
  if (cli::is_root())
    fmt::print(
        "classify: {}{} {} (embed {}), {} pooling, {} classes, vocabulary {} + <unk>, {} "
        "parameters\n",
        c.bidirectional ? "bidirectional " : "", c.cell,
        c.layers == 1 ? fmt::format("{}", c.hidden) : fmt::format("{}×{}", c.layers, c.hidden),
        c.embed, pooling_name(c.pooling), c.classes.size(), c.vocabulary.size(),
        model->parameter_count());
  training::LoopOptions loop;
  loop.checkpoint = a.out, loop.eval_every = a.eval_every, loop.log = a.log;
  loop.threads = threads;
  if (a.minutes)
    loop.max_seconds = *a.minutes * 60.0;
  else
    loop.max_steps = a.steps.value_or(kDefaultSteps);
  training::Trainer trainer(task, a.trainer);
  if (!a.resume.empty()) trainer.load_state(a.resume);
  training::run_training(trainer, loop);
  return 0;
}

int eval_command(const std::string& ckpt, const std::string& root, std::size_t per_bucket,
                 ThreadTuner* threads) {
  auto model = load_checkpoint<Classifier<float>>(ckpt, "classify");
  const std::uint64_t seed = checkpoint_seed(ckpt);
  const std::vector<SplitClass> split = find_data(root, seed);
  const std::vector<ClassText> held_out = load_texts(split, true, kHeldOutBytes);
  const auto& classes = model->config().classes;
  for (std::size_t c = 0; c < classes.size(); ++c)
    if (c >= held_out.size() || held_out[c].name != classes[c])
      throw ValueError(fmt::format("'{}' classifies {}; the data has other classes", ckpt,
                                   fmt::join(classes, ", ")));
  const Evaluation e =
      evaluate(*model, stratified_snippets(held_out, per_bucket, seed + 2), 64, threads);
  std::size_t files = 0;
  for (const auto& c : split) files += c.held_out.size();
  fmt::print("held-out: {} snippets from {} files never trained on\n",
             e.count_between(0, kMaxSnippet), files);
  fmt::print("accuracy {:.2f} %  (length ≥ 64: {:.2f} %)  loss {:.4f}\n", 100 * e.accuracy,
             100 * e.accuracy_between(64, kMaxSnippet), e.loss);
  for (const LengthBucket& b : length_buckets())
    fmt::print("  length {:>3}–{:<3}  {:.2f} %  ({} snippets)\n", b.min, b.max,
               100 * e.accuracy_between(b.min, b.max), e.count_between(b.min, b.max));
  fmt::print("confusion (rows: true class, columns: predicted)\n{}", format_confusion(e, classes));
  return 0;
}

// Lines of stdin, `chunk` at a time (1 on a terminal, so each answer comes at once).
int predict_command(const std::string& ckpt, ThreadTuner* threads) {
  auto model = load_checkpoint<Classifier<float>>(ckpt, "classify");
  const std::size_t chunk = isatty(STDIN_FILENO) ? 1 : 64;
  const auto& classes = model->config().classes;
  std::size_t errors = 0, lines = 0;
  std::string line;
  bool more = true;
  while (more) {
    std::vector<std::variant<std::u32string, std::string>> parsed;
    std::vector<std::u32string> texts;
    while (parsed.size() < chunk && (more = static_cast<bool>(std::getline(std::cin, line)))) {
      parsed.push_back(classify::parse_snippet_line(line, kMaxSnippet));
      if (auto* text = std::get_if<std::u32string>(&parsed.back())) texts.push_back(*text);
    }
    const auto probabilities = texts.empty() ? std::vector<std::vector<double>>{}
                                             : class_probabilities(*model, texts, 64, threads);
    std::size_t next = 0;
    for (const auto& p : parsed) {
      ++lines;
      if (const auto* error = std::get_if<std::string>(&p)) {
        fmt::print("error: {}\n", *error);
        ++errors;
        continue;
      }
      const auto& row = probabilities[next++];
      const std::size_t best =
          static_cast<std::size_t>(std::max_element(row.begin(), row.end()) - row.begin());
      fmt::print("{}\t{:.3f}\n", classes[best], row[best]);
    }
    std::fflush(stdout);
  }
  if (errors == 0) return 0;
  fmt::print(stderr,
             "classify: {} of {} lines could not be classified (see their 'error:' lines)\n",
             errors, lines);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  classify::CommandLine cli(UNROLL_SOURCE_DIR);
  classify::Arguments a;
  try {
    a = cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parsed the same command line: rank 0 alone reports it.
    const int status = cli.exit(e, cli::root_only(std::cout), cli::root_only(std::cerr));
    cli::wait_for_every_rank();
    return status;
  }
  try {
    if (a.command != classify::Command::train)  // train alone shares its work among ranks
      cli::require_one_process(cli::command_of("classify", argc, argv));
    cli::Threads threads{a.threads, {}};
    switch (a.command) {
      case classify::Command::train:
        return train(a.train, a.root, threads.apply(1));
      case classify::Command::eval:
        return eval_command(a.ckpt, a.root, a.per_bucket, threads.apply(1));
      case classify::Command::predict:
        return predict_command(a.ckpt, threads.apply(1));
    }
    return 1;
  } catch (const std::exception& e) {
    return cli::report_failure("classify", e);
  }
}
