// Threads: nothing of a model is shared, but each thread's own model, tape and optimizer train
// exactly as they would one at a time (framework/tape.hpp and layers/module.hpp say what is
// per thread).
#include <malloc.h>

#include <catch2/catch.hpp>
#include <exception>
#include <thread>

#include "framework/memory.hpp"
#include "framework/ops/nn.hpp"
#include "framework/optim/adam.hpp"
#include "framework/optim/clip.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;
using unroll::testing::random_array;

namespace {

// A 2-layer LSTM with dropout between the layers and a linear head, trained with Adam and
// gradient clipping for 20 steps on fixed data drawn from `seed`: every weight at the end.
std::vector<Array<float>> train(std::uint64_t seed) {
  const unroll::testing::ComputeThreads one(1);  // the same GEMM splits in every run
  struct Model : Module<float> {
    std::shared_ptr<LSTM<float>> lstm;
    std::shared_ptr<Linear<float>> head;
    explicit Model(std::uint64_t seed) {
      lstm = register_module("lstm", std::make_shared<LSTM<float>>(
                                         LSTMOptions(3, 16).layers(2).dropout(0.25).seed(seed)));
      head = register_module("head", std::make_shared<Linear<float>>(16, 2, seed));
    }
  } model(seed);
  Adam<float> adam(model.named_parameters(), AdamOptions().lr(0.01));
  const Var<float> x(xt::cast<float>(random_array({4, 12, 3}, static_cast<unsigned>(seed))));
  const Var<float> y(xt::cast<float>(random_array({4, 12, 2}, static_cast<unsigned>(seed) + 1)));
  for (int step = 0; step < 20; ++step) {
    adam.zero_grad();
    mse(model.head->forward(model.lstm->forward(x).output), y).backward();
    clip_grad_norm(model.parameters(), 0.5);
    adam.step();
    tape<float>().reset();
  }
  std::vector<Array<float>> weights;
  for (const auto& p : model.parameters()) weights.push_back(p.value());
  return weights;
}

}  // namespace

TEST_CASE("two threads, each with its own model, tape and optimizer, train as one at a time",
          "[threads]") {
  const auto first_alone = train(1), second_alone = train(2);
  REQUIRE(first_alone.size() == second_alone.size());
  CHECK_FALSE(all_close(first_alone[0], second_alone[0], 1e-3));  // cross-talk would show
  std::vector<Array<float>> first, second;
  std::exception_ptr first_error, second_error;
  auto run = [](std::uint64_t seed, std::vector<Array<float>>& out, std::exception_ptr& error) {
    try {
      out = train(seed);
    } catch (...) {
      error = std::current_exception();
    }
  };
  std::thread a(run, 1, std::ref(first), std::ref(first_error));
  std::thread b(run, 2, std::ref(second), std::ref(second_error));
  a.join();
  b.join();
  if (first_error) std::rethrow_exception(first_error);
  if (second_error) std::rethrow_exception(second_error);
  REQUIRE(first.size() == first_alone.size());
  REQUIRE(second.size() == second_alone.size());
  for (std::size_t i = 0; i < first.size(); ++i) {
    INFO("parameter " << i);
    CHECK(all_close(first[i], first_alone[i], 0.0));  // bit for bit
    CHECK(all_close(second[i], second_alone[i], 0.0));
  }
}

TEST_CASE("a thread that ends gives its cached blocks back", "[threads]") {
  // glibc maps every block over 32 MiB (its mmap threshold never rises past that) and counts the
  // mapped bytes in mallinfo2's hblkhd: a 64 MiB array cached by a thread that has ended, and
  // never freed, would stay in it. (The sanitizer build caches nothing; its leak check sees a
  // thread's pools and cache left behind.)
  const std::size_t before = mallinfo2().hblkhd;
  std::thread([] { Array<float>::from_shape({std::size_t(16) << 20}); }).join();  // 64 MiB
  CHECK(mallinfo2().hblkhd == before);
}
