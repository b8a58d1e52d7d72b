// The tape's own cost per recorded op, on tensors so small that the arithmetic is negligible:
// what a long chain of tiny ops (an unrolled sequence, a scalar expression) pays for the tape.
// Prints one JSON line per measurement. A benchmark, not a test: compare runs side by side.
#include <fmt/format.h>

#include <chrono>
#include <string>

#include "framework/unroll.hpp"

using namespace unroll;
using Clock = std::chrono::steady_clock;

namespace {

double ns_since(Clock::time_point start, std::size_t ops) {
  return std::chrono::duration<double, std::nano>(Clock::now() - start).count() /
         static_cast<double>(ops);
}

// A chain of `ops` alternating mul and tanh over a tensor of `size` floats.
void measure(std::size_t size, std::size_t ops, int repeats) {
  auto w = Var<float>::parameter(xt::ones<float>({size}) * 0.5f);
  double best_forward = 1e30, best_backward = 1e30, best_reset = 1e30, best_nograd = 1e30;
  for (int r = 0; r < repeats; ++r) {
    auto start = Clock::now();
    Var<float> h(xt::ones<float>({size}));
    for (std::size_t i = 0; i < ops; i += 2) h = tanh(h * w);
    Var<float> loss = sum(h);
    best_forward = std::min(best_forward, ns_since(start, ops + 1));

    start = Clock::now();
    loss.backward();
    best_backward = std::min(best_backward, ns_since(start, ops + 1));

    start = Clock::now();
    tape<float>().reset();
    best_reset = std::min(best_reset, ns_since(start, ops + 1));

    start = Clock::now();
    {
      NoGrad no_grad;
      Var<float> g(xt::ones<float>({size}));
      for (std::size_t i = 0; i < ops; i += 2) g = tanh(g * w);
    }
    best_nograd = std::min(best_nograd, ns_since(start, ops));
  }
  fmt::print(
      "{{\"bench\": \"tape_overhead\", \"elements\": {}, \"ops\": {}, \"forward_ns_per_op\": "
      "{:.1f}, \"backward_ns_per_op\": {:.1f}, \"reset_ns_per_op\": {:.1f}, "
      "\"nograd_ns_per_op\": {:.1f}}}\n",
      size, ops, best_forward, best_backward, best_reset, best_nograd);
}

}  // namespace

int main() {
  measure(1, 200000, 5);
  measure(16, 200000, 5);
  measure(256, 100000, 5);
  return 0;
}
