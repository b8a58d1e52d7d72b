// run_training on a tiny task: keep-best, a non-finite step leaves the last checkpoint alone,
// skipped steps in the CSV and the summary, and a plateau schedule resumed bit for bit.
#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <sstream>

#include "layers/checkpoint.hpp"
#include "models/training/loop.hpp"
#include "tests/models/training/toy_task.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
using namespace unroll::training;
using unroll::testing::ToyTask;
using unroll::testing::weights;

namespace {

using unroll::testing::slurp;

// run_training with its output captured.
struct Captured {
  std::FILE* file = std::tmpfile();
  ~Captured() { std::fclose(file); }
  std::string text() const {
    std::fflush(file);
    std::rewind(file);
    std::string s;
    for (int c; (c = std::fgetc(file)) != EOF;) s += static_cast<char>(c);
    return s;
  }
};

bool same_bits(const Array<float>& a, const Array<float>& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TrainerOptions sgd(double lr) {
  TrainerOptions options;
  options.optimizer = "sgd", options.lr = lr;
  return options;
}

LoopOptions loop_to(const std::string& checkpoint, std::int64_t steps, std::FILE* out) {
  LoopOptions loop;
  loop.checkpoint = checkpoint, loop.max_steps = steps, loop.eval_every = 2, loop.out = out;
  return loop;
}

// The i-th column of every data row of a CSV.
std::vector<std::string> column(const std::string& csv, std::size_t i) {
  std::vector<std::string> values;
  std::istringstream lines(csv);
  std::string line;
  std::getline(lines, line);  // header
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::string cell;
    for (std::size_t k = 0; k <= i; ++k) std::getline(cells, cell, ',');
    values.push_back(cell);
  }
  return values;
}

}  // namespace

TEST_CASE("keep-best keeps the checkpoint of the lowest validation loss", "[training][loop]") {
  unroll::testing::ScratchDir box;
  Captured out;
  ToyTask task;
  task.validation_losses = {3, 1, 2, 0.5, 4};  // at steps 2, 4, 6, 8, 10: the best at 8
  Trainer trainer(task, sgd(0.1));
  LoopOptions loop = loop_to(box.path("toy.safetensors"), 10, out.file);
  loop.keep_best = true;
  run_training(trainer, loop);
  const auto best = io::read_safetensors(box.path("toy.best.safetensors"));
  CHECK(best.metadata.at("val_loss") == "0.5");
  CHECK(best.metadata.at("step") == "8");
  CHECK(best.metadata.at("model") == "toy");
  ToyTask reference;
  Trainer eight(reference, sgd(0.1));
  for (int i = 0; i < 8; ++i) eight.step();
  for (auto& [name, p] : reference.model().named_parameters()) {
    INFO(name);
    CHECK(same_bits(best.at(name).as<float>(), p.value()));
  }
  CHECK(io::read_safetensors(box.path("toy.safetensors")).metadata.at("step") == "10");
}

TEST_CASE("keep-best without validation data is refused before training", "[training][loop]") {
  unroll::testing::ScratchDir box;
  ToyTask task;
  Trainer trainer(task, sgd(0.1));
  LoopOptions loop = loop_to(box.path("toy.safetensors"), 10, stdout);
  loop.keep_best = true;
  CHECK_THROWS_WITH(run_training(trainer, loop), Catch::Contains("keep-best needs validation"));
  CHECK(trainer.steps_done() == 0);
}

TEST_CASE("a non-finite step ends the run, the checkpoint on disk stays the last good one",
          "[training][loop][nonfinite]") {
  unroll::testing::ScratchDir box;
  Captured out;
  const auto checkpoint = box.path("toy.safetensors");
  {
    ToyTask task;
    Trainer trainer(task, sgd(0.1));
    run_training(trainer, loop_to(checkpoint, 3, out.file));
  }
  const std::string weights_before = slurp(checkpoint);
  const std::string state_before = slurp(training_state_path(checkpoint));
  ToyTask task;
  task.poison_step = 6;
  Trainer trainer(task, sgd(0.1));
  trainer.load_state(checkpoint);
  load_parameters(task.model(), checkpoint);
  CHECK_THROWS_AS(run_training(trainer, loop_to(checkpoint, 10, out.file)), NonFiniteError);
  CHECK(slurp(checkpoint) == weights_before);
  CHECK(slurp(training_state_path(checkpoint)) == state_before);
  ToyTask reference;
  Trainer five(reference, sgd(0.1));
  for (int i = 0; i < 5; ++i) five.step();
  const auto expected = weights(reference), got = weights(task);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(same_bits(got[i], expected[i]));
}

TEST_CASE("skipped steps are counted in the CSV, the summary line and the state",
          "[training][loop][nonfinite]") {
  unroll::testing::ScratchDir box;
  Captured out;
  ToyTask task;
  task.poison_step = 3, task.poison = ToyTask::Poison::Loss;
  TrainerOptions options = sgd(0.1);
  options.nonfinite = NonFinite::Skip;
  Trainer trainer(task, options);
  LoopOptions loop = loop_to(box.path("toy.safetensors"), 6, out.file);
  loop.log = box.path("toy.csv");
  const LoopResult result = run_training(trainer, loop);
  CHECK(result.skipped == 1);
  const std::string csv = slurp(box.path("toy.csv"));
  CHECK_THAT(csv, Catch::StartsWith(
                      "step,elapsed_s,train_loss,val_loss,grad_norm,lr,tokens_per_s,skipped\n"));
  CHECK(column(csv, 7) == std::vector<std::string>{"0", "0", "1", "1", "1", "1"});
  CHECK(column(csv, 2)[2] == "inf");
  CHECK_THAT(out.text(), Catch::Contains("after 6 steps, 1 skipped as non-finite"));
}

TEST_CASE("a plateau schedule resumed from its training state continues bit for bit",
          "[training][loop][resume]") {
  unroll::testing::ScratchDir box;
  Captured out;
  TrainerOptions options = sgd(0.1);
  options.schedule.kind = "plateau", options.schedule.patience = 2;
  // Validations at steps 2, 4 | 6, 8, 10, 12: the third (no improvement twice) halves the rate
  // from step 7 on; the sixth halves it again, for steps after the run.
  const std::vector<double> losses = {1, 2, 3, 0.5, 0.6, 0.7};
  ToyTask straight_task;
  straight_task.validation_losses = losses;
  Trainer straight(straight_task, options);
  LoopOptions loop = loop_to(box.path("straight.safetensors"), 12, out.file);
  loop.log = box.path("straight.csv");
  run_training(straight, loop);
  const auto rates = column(slurp(box.path("straight.csv")), 5);
  CHECK(rates[5] == "0.1");
  CHECK(rates[6] == "0.05");

  const auto half = box.path("half.safetensors");
  {
    ToyTask task;
    task.validation_losses = losses;
    Trainer trainer(task, options);
    run_training(trainer, loop_to(half, 4, out.file));
  }
  ToyTask task;
  task.validation_losses = losses;
  Trainer resumed(task, options);
  load_parameters(task.model(), half);
  resumed.load_state(half);
  run_training(resumed, loop_to(box.path("resumed.safetensors"), 12, out.file));
  const auto state = [&](const std::string& name) {
    return io::read_safetensors(training_state_path(box.path(name))).metadata;
  };
  CHECK(state("resumed.safetensors").at("schedule_state") == "0.025,0.5,0");
  CHECK(state("resumed.safetensors") == state("straight.safetensors"));
  const auto a = weights(straight_task), b = weights(task);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(same_bits(a[i], b[i]));
}
