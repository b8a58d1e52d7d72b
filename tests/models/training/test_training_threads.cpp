// `--threads auto` may change the thread count between steps, so results must not depend on
// it: the GEMM splits its output (rows or column groups), never a sum, over threads, and the
// elementwise loops split rows. Training on one and on two threads gives the same bits.
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "framework/gemm.hpp"
#include "framework/thread_tuner.hpp"
#include "models/char_lm/trainer.hpp"
#include "models/text/vocabulary.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::same_bits;

namespace {

std::vector<std::int64_t> ids(std::size_t n, std::size_t vocabulary) {
  std::vector<std::int64_t> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::int64_t>((i * 7 + i / 5) % vocabulary);
  return v;
}

// The weights after `steps` steps, each run on threads_of(step).
template <class Threads>
std::vector<Array<float>> train(const std::string& cell, int steps, Threads threads_of) {
  CharLMConfig config;
  config.cell = cell;
  config.embed = 32;
  config.hidden = 96;  // [64, 384] · [384, 96]ᵀ and 24,576-element gates: both split over threads
  config.layers = 2;
  config.dropout = 0.25;
  config.vocabulary = Vocabulary::from_text(U"abcdefghijklmnopqrstuvwxyz .,\n");
  CharLM<float> model(config, 3);
  TrainOptions options;
  options.seq = 16;
  options.batch = 64;
  CharLMTask task(model, ids(20000, config.vocabulary.size()), {}, options);
  training::Trainer trainer(task, options.trainer);
  for (int s = 0; s < steps; ++s) {
    set_compute_threads(threads_of(s));
    trainer.step();
  }
  set_compute_threads(1);
  std::vector<Array<float>> weights;
  for (const auto& p : model.parameters()) weights.push_back(p.value());
  return weights;
}

}  // namespace

TEST_CASE("training on one thread, on two, or switching between them gives identical weights",
          "[threads]") {
  for (const std::string cell : {"lstm", "gru", "rnn"}) {
    INFO(cell);
    const auto one = train(cell, 4, [](int) { return 1; });
    const auto two = train(cell, 4, [](int) { return 2; });
    const auto switching = train(cell, 4, [](int s) { return 1 + s % 2; });
    CHECK(same_bits(one, two));
    CHECK(same_bits(one, switching));
    // And training changed them: equal because the threads do not matter, not because nothing ran.
    CHECK_FALSE(same_bits(one, train(cell, 3, [](int) { return 1; })));
  }
}
