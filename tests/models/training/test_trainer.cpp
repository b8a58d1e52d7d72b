// The generic Trainer on a tiny task: a non-finite step is never applied (stopped or skipped and
// counted), the schedule sets each step's rate, and the training state round-trips.
#include <catch2/catch.hpp>
#include <cstring>

#include "tests/models/training/toy_task.hpp"
#include "tests/scratch_dir.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::training;
using unroll::testing::ToyTask;
using unroll::testing::weights;

namespace {

using unroll::testing::same_bits;

TrainerOptions sgd(double lr) {
  TrainerOptions options;
  options.optimizer = "sgd", options.lr = lr;
  return options;
}

}  // namespace

TEST_CASE("a non-finite loss or gradient norm stops training without touching the weights",
          "[training][nonfinite]") {
  const auto poison = GENERATE(ToyTask::Poison::Loss, ToyTask::Poison::Gradient);
  ToyTask task;
  task.poison_step = 5, task.poison = poison;
  TrainerOptions options;  // adam: its moments must stay as they were too
  Trainer trainer(task, options);
  for (int i = 0; i < 4; ++i) REQUIRE(trainer.step().applied);
  const auto before = weights(task);
  std::vector<Array<float>> moments;
  for (auto& [name, buffer] : trainer.optimizer().state_tensors()) moments.push_back(*buffer);
  const std::string expected = poison == ToyTask::Poison::Loss ? "step 5: the loss is inf"
                                                               : "step 5: the gradient norm is nan";
  CHECK_THROWS_WITH(trainer.step(), Catch::StartsWith(expected));
  CHECK(same_bits(weights(task), before));
  std::vector<Array<float>> moments_after;
  for (auto& [name, buffer] : trainer.optimizer().state_tensors()) moments_after.push_back(*buffer);
  CHECK(same_bits(moments_after, moments));
  CHECK(trainer.steps_done() == 4);
  CHECK(trainer.optimizer().steps() == 4);
  for (auto& p : task.model().parameters()) CHECK_FALSE(p.has_grad());
}

TEST_CASE("with NonFinite::Skip a non-finite step is skipped, counted and saved",
          "[training][nonfinite]") {
  unroll::testing::ScratchDir box;
  ToyTask task;
  task.poison_step = 3, task.poison = ToyTask::Poison::Gradient;
  TrainerOptions options = sgd(0.1);
  options.nonfinite = NonFinite::Skip;
  Trainer trainer(task, options);
  trainer.step(), trainer.step();
  const auto before = weights(task);
  const StepResult skipped = trainer.step();
  CHECK_FALSE(skipped.applied);
  CHECK(std::isnan(skipped.grad_norm));
  CHECK(same_bits(weights(task), before));
  CHECK(trainer.steps_done() == 3);
  CHECK(trainer.skipped() == 1);
  CHECK(trainer.optimizer().steps() == 2);
  CHECK(trainer.step().applied);
  CHECK_FALSE(same_bits(weights(task), before));

  const auto checkpoint = box.path("toy.safetensors");
  trainer.save(checkpoint);
  CHECK(io::read_safetensors(training_state_path(checkpoint)).metadata.at("skipped") == "1");
  ToyTask resumed_task;
  Trainer resumed(resumed_task, options);
  resumed.load_state(checkpoint);
  CHECK(resumed.steps_done() == 4);
  CHECK(resumed.skipped() == 1);
  CHECK(resumed.optimizer().steps() == 3);
}

TEST_CASE("each step uses the schedule's rate: warm-up, then step decay", "[training][schedule]") {
  ToyTask task;
  TrainerOptions options = sgd(0.1);
  options.schedule.kind = "step", options.schedule.warmup = 2;
  options.schedule.step_size = 3, options.schedule.gamma = 0.5;
  Trainer trainer(task, options);
  // lr(t) = 0.1 · 0.5^⌊t/3⌋, times t/2 for t < 2
  const double expected[] = {0.0, 0.05, 0.1, 0.05, 0.05, 0.05, 0.025};
  for (double lr : expected) {
    const StepResult r = trainer.step();
    CHECK(r.lr == Approx(lr).margin(1e-15));
    CHECK(trainer.optimizer().lr() == Approx(lr).margin(1e-15));
  }
}

TEST_CASE("a training state of another kind or for another step is refused", "[training][state]") {
  unroll::testing::ScratchDir box;
  ToyTask task;
  Trainer trainer(task, sgd(0.1));
  trainer.step();
  const auto checkpoint = box.path("toy.safetensors");
  trainer.save(checkpoint);
  ToyTask other;
  TrainerOptions adam;
  Trainer with_adam(other, adam);
  CHECK_THROWS_WITH(with_adam.load_state(checkpoint),
                    Catch::Contains("was made with optimizer sgd; this run uses adam"));
  TrainerOptions cosine = sgd(0.1);
  cosine.schedule.kind = "cosine", cosine.schedule.cosine_steps = 10;
  Trainer with_cosine(other, cosine);
  CHECK_THROWS_WITH(with_cosine.load_state(checkpoint),
                    Catch::Contains("was made with lr_schedule constant; this run uses cosine"));
  trainer.step();
  trainer.save(box.path("later.safetensors"));
  std::filesystem::copy_file(training_state_path(box.path("later.safetensors")),
                             training_state_path(checkpoint),
                             std::filesystem::copy_options::overwrite_existing);
  Trainer fresh(other, sgd(0.1));
  CHECK_THROWS_WITH(fresh.load_state(checkpoint), Catch::Contains("is for step 2"));
}
