#include "examples/common/threads.hpp"

#include "framework/gemm.hpp"

namespace unroll::cli {

ThreadTuner* Threads::apply(std::size_t block) {
  if (value != "auto") {
    set_compute_threads(std::stoi(value));
    return nullptr;
  }
  tuner.emplace(ThreadTunerOptions{.block = block});
  return &*tuner;
}

}  // namespace unroll::cli
