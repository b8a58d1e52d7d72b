// A warmed-up training step allocates nothing: no call of operator new (this executable replaces
// it with the counting one charlm_bench uses) and no block the caching allocator must take from
// the system. Checked on one and two threads (where the GEMM splits its blocks over threads),
// for each cell, both window modes, with dropout and clipping on.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "bench/allocation_counter.hpp"
#include "examples/custom_cell/user_lstm.hpp"
#include "framework/gemm.hpp"
#include "framework/memory.hpp"
#include "models/char_lm/trainer.hpp"
#include "tests/support.hpp"

using namespace unroll;

namespace {

std::size_t allocations() {
  return bench::operator_new_calls.load() + memory_stats().system_allocs;
}

// Large enough that the recurrent GEMMs take the split (threaded) path on two threads.
std::unique_ptr<CharLM<float>> small_model(const std::string& cell, bool custom,
                                           const CharLMConfig& config) {
  if (!custom) return std::make_unique<CharLM<float>>(config, 1);
  return std::make_unique<CharLM<float>>(
      config, 1,
      CustomStack<float>::of(std::make_shared<Recurrent<UserLSTMCell<float>>>(
          RecurrentOptions(config.embed, config.hidden).layers(config.layers), "UserLSTM")));
}

std::size_t allocations_per_steady_step(const std::string& cell, bool custom, int threads,
                                        bool random_windows) {
  unroll::testing::ComputeThreads scope(threads);
  std::u32string text;
  for (std::size_t i = 0; text.size() < 20000; ++i)
    text += U"the quick brown fox jumps over the lazy dog "[i % 44];
  CharLMConfig config;
  config.cell = cell, config.hidden = 128, config.layers = 2, config.embed = 32;
  config.dropout = 0.2;
  config.vocabulary = Vocabulary::from_text(text);
  auto model = small_model(cell, custom, config);
  TrainOptions options;
  options.seq = 16, options.batch = 16, options.random_windows = random_windows;
  Trainer trainer(*model, config.vocabulary.encode(text, "test"), options);
  for (int i = 0; i < 3; ++i) trainer.step();
  const std::size_t before = allocations();
  for (int i = 0; i < 3; ++i) trainer.step();
  return allocations() - before;
}

}  // namespace

TEST_CASE("a steady-state training step allocates nothing", "[allocations]") {
  for (int threads : {1, 2})
    for (bool random_windows : {false, true})
      for (const char* cell : {"lstm", "gru", "rnn"}) {
        INFO(cell << ", " << threads << " thread(s), random windows " << random_windows);
        CHECK(allocations_per_steady_step(cell, false, threads, random_windows) == 0);
      }
}

TEST_CASE("a steady-state step of the user-written LSTM allocates nothing", "[allocations]") {
  for (int threads : {1, 2}) {
    INFO(threads << " thread(s)");
    CHECK(allocations_per_steady_step("lstm", true, threads, true) == 0);
  }
}
