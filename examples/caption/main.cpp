// caption: describe a generated scene in words. A one-to-many RNN: the image sets the decoder
// LSTM's initial state (h0 = tanh(MLP(pixels)), c0 = 0), then the decoder writes until <end>.
//
//   caption train   --out CKPT [--encoder M] [--embed E] [--hidden H] [--steps N] …
//   caption eval    --ckpt CKPT [--scenes N] [--beam K]
//   caption scenes  --out DIR [--count N] [--held-out]          (prints the paths it wrote)
//   caption predict --ckpt CKPT [--beam K] [--no-art] < paths   (one PGM path per line)
//
// Every failure exits non-zero with one line on stderr; checkpoints are written atomically.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "examples/caption/cli.hpp"
#include "examples/common/output_folder.hpp"
#include "examples/common/ranks.hpp"
#include "examples/common/threads.hpp"
#include "layers/checkpoint.hpp"
#include "models/captioner/batch.hpp"
#include "models/captioner/decode.hpp"
#include "models/captioner/evaluate.hpp"
#include "models/image/ascii_art.hpp"
#include "models/image/pgm.hpp"
#include "models/training/loop.hpp"

using namespace unroll;
using namespace unroll::captioner;

namespace {

// Scenes of seen combinations that training validates on, and their seed offset from the run's.
constexpr std::size_t kValidationScenes = 200;
constexpr std::uint64_t kValidationSeed = 1000, kEvalSeed = 2000;

int train(caption::TrainArgs& a, ThreadTuner* threads) {
  cli::report_job_end("caption");
  cli::check_output_folder(a.out);
  if (!a.log.empty()) cli::check_output_folder(a.log);
  std::unique_ptr<Captioner<float>> model =
      a.resume.empty() ? std::make_unique<Captioner<float>>(a.model, a.task.seed)
                       : load_checkpoint<Captioner<float>>(a.resume, "caption");
  CaptionTask task(
      *model, scene_set(a.task.seed + kValidationSeed, tasks::SceneSplit::Train, kValidationScenes),
      a.task);
  const CaptionerConfig& c = model->config();
  if (cli::is_root())
    fmt::print("caption: encoder {}, LSTM {} (embed {}), {} words, {} parameters\n",
               c.encoder == 0 ? std::string("Linear 256→") + std::to_string(c.hidden)
                              : fmt::format("MLP 256→{}→{}", c.encoder, c.hidden),
               c.hidden, c.embed, model->vocabulary_size(), model->parameter_count());
  training::LoopOptions loop;
  loop.checkpoint = a.out, loop.eval_every = a.eval_every, loop.log = a.log;
  loop.threads = threads;
  loop.max_steps = a.steps;
  training::Trainer trainer(task, a.trainer);
  if (!a.resume.empty()) trainer.load_state(a.resume);
  training::run_training(trainer, loop);
  return 0;
}

int eval_command(const std::string& ckpt, std::size_t count, std::size_t beam) {
  auto model = load_checkpoint<Captioner<float>>(ckpt, "caption");
  const std::uint64_t seed = checkpoint_seed(ckpt) + kEvalSeed;
  fmt::print("{} scenes per split, {}\n", count,
             beam == 1 ? std::string("greedy") : fmt::format("beam {}", beam));
  for (const auto split : {tasks::SceneSplit::Train, tasks::SceneSplit::HeldOut}) {
    const Evaluation e = evaluate(*model, scene_set(seed, split, count), beam);
    fmt::print("{:<7} exact {:6.2f} %  per word {:6.2f} %  loss {:.4f}\n",
               split == tasks::SceneSplit::Train ? "seen" : "unseen", 100 * e.exact,
               100 * e.per_word, e.loss);
  }
  return 0;
}

int scenes_command(const std::string& folder, std::size_t count, bool held_out,
                   std::uint64_t seed) {
  std::filesystem::create_directories(folder);
  const auto split = held_out ? tasks::SceneSplit::HeldOut : tasks::SceneSplit::Train;
  for (std::size_t i = 0; i < count; ++i) {
    const tasks::Scene s = tasks::make_scene(seed, split, i);
    const std::string path = (std::filesystem::path(folder) / fmt::format("scene{:03}.pgm", i));
    write_pgm(path, s.image);
    fmt::print("{}\n", path);
  }
  return 0;
}

int predict_command(const std::string& ckpt, std::size_t beam, bool no_art) {
  auto model = load_checkpoint<Captioner<float>>(ckpt, "caption");
  std::size_t errors = 0, lines = 0;
  std::string path;
  while (std::getline(std::cin, path)) {
    if (!path.empty() && path.back() == '\r') path.pop_back();  // a list written on Windows
    ++lines;
    try {
      if (path.empty()) throw ValueError("an empty line: expected a PGM file's path");
      if (!std::filesystem::exists(path)) throw ValueError(fmt::format("'{}': no such file", path));
      if (std::filesystem::is_directory(path))
        throw ValueError(fmt::format("'{}' is a folder, not a PGM file", path));
      const GrayImage image = read_pgm(path);
      const std::string words = captioner::caption(*model, pixel_rows({image}), beam);
      if (no_art)
        fmt::print("{}\n", words);
      else
        fmt::print("{}\n", beside(ascii_art(image), path + "\n" + words + "\n", 3));
    } catch (const std::exception& e) {
      fmt::print("error: {}\n", e.what());
      ++errors;
    }
    std::fflush(stdout);
  }
  if (errors == 0) return 0;
  fmt::print(stderr, "caption: {} of {} lines could not be captioned (see their 'error:' lines)\n",
             errors, lines);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  caption::CommandLine cli;
  caption::Arguments a;
  try {
    a = cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parsed the same command line: rank 0 alone reports it.
    const int status = cli.exit(e, cli::root_only(std::cout), cli::root_only(std::cerr));
    cli::wait_for_every_rank();
    return status;
  }
  try {
    if (a.command != caption::Command::train)  // train alone shares its work among ranks
      cli::require_one_process(cli::command_of("caption", argc, argv));
    if (a.command == caption::Command::scenes)
      return scenes_command(a.folder, a.count, a.held_out, a.seed);
    cli::Threads threads{a.threads, {}};
    ThreadTuner* tuner = threads.apply(1);
    switch (a.command) {
      case caption::Command::train:
        return train(a.train, tuner);
      case caption::Command::eval:
        return eval_command(a.ckpt, a.count, a.beam);
      case caption::Command::predict:
        return predict_command(a.ckpt, a.beam, a.no_art);
      case caption::Command::scenes:
        break;
    }
    return 1;
  } catch (const std::exception& e) {
    return cli::report_failure("caption", e);
  }
}
