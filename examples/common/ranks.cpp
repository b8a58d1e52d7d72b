#include "examples/common/ranks.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "framework/distributed/communicator.hpp"
#include "models/training/trainer.hpp"

namespace unroll::cli {

int report_failure(const char* program, const std::exception& error) {
  std::fflush(stdout);
  distributed::Communicator& ranks = distributed::Communicator::world();
  const bool alike = dynamic_cast<const distributed::CollectiveError*>(&error) != nullptr ||
                     dynamic_cast<const training::NonFiniteError*>(&error) != nullptr;
  if (ranks.size() == 1 || (alike && ranks.is_root())) {
    fmt::print(stderr, "{}: {}\n", program, error.what());
    return 1;
  }
  if (alike) return 1;
  fmt::print(stderr, "{}: rank {}: {}\n", program, ranks.rank(), error.what());
  std::fflush(stderr);
  ranks.abort(1);
}

void require_one_process(const std::string& program) {
  const int size = distributed::Communicator::world().size();
  if (size > 1)
    throw distributed::CollectiveError(
        fmt::format("{} runs on one process; it was started on {} (mpirun): run it without mpirun",
                    program, size));
}

}  // namespace unroll::cli
