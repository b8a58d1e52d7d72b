// The --threads option of a program: "auto" (a ThreadTuner that times the work on one thread and
// on every core) or a forced count.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "framework/thread_tuner.hpp"

namespace unroll::cli {

struct Threads {
  std::string value;  // "auto" or a positive count (cli::auto_or_count checked it)
  std::optional<ThreadTuner> tuner;
  // Sets a forced count now and returns null, or starts a tuner that times blocks of `block`
  // steps and returns it.
  ThreadTuner* apply(std::size_t block);
};

}  // namespace unroll::cli
