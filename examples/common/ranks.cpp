#include "examples/common/ranks.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <sstream>

#include "framework/distributed/communicator.hpp"
#include "models/training/trainer.hpp"

namespace unroll::cli {

int report_failure(const char* program, const std::exception& error) {
  // This rank's line is its report: mpirun's SIGTERM, when another rank's exit or abort ends the
  // job, must not add "stopped by mpirun" after it.
  std::signal(SIGTERM, SIG_DFL);
  std::fflush(stdout);
  distributed::Communicator& ranks = distributed::Communicator::world();
  const bool alike = dynamic_cast<const distributed::CollectiveError*>(&error) != nullptr ||
                     dynamic_cast<const training::NonFiniteError*>(&error) != nullptr;
  if (ranks.size() == 1 || (alike && ranks.is_root())) {
    fmt::print(stderr, "{}: {}\n", program, error.what());
    std::fflush(stderr);
  }
  if (ranks.size() == 1) return 1;
  if (alike) {
    wait_for_every_rank();
    return 1;
  }
  fmt::print(stderr, "{}: rank {}: {}\n", program, ranks.rank(), error.what());
  std::fflush(stderr);
  ranks.abort(1);
}

void wait_for_every_rank() {
  distributed::Communicator& ranks = distributed::Communicator::world();
  if (ranks.size() > 1) ranks.any(false);
}

namespace {

std::string job_end_line;  // written by the SIGTERM handler (set before it is installed)

extern "C" void on_job_end(int) {
  // Only async-signal-safe calls: write(2) and _exit.
  [[maybe_unused]] const auto written = ::write(2, job_end_line.data(), job_end_line.size());
  ::_exit(143);
}

}  // namespace

void report_job_end(const std::string& program) {
  const distributed::Communicator& ranks = distributed::Communicator::world();
  if (ranks.size() == 1 || !ranks.is_root()) return;
  job_end_line = fmt::format(
      "{}: stopped by mpirun: another rank ended or failed, or the job was cancelled; the "
      "checkpoint on disk is the last complete one\n",
      program);
  std::signal(SIGTERM, on_job_end);
}

bool is_root() { return distributed::Communicator::world().is_root(); }

std::ostream& root_only(std::ostream& stream) {
  if (is_root()) return stream;
  static std::ostringstream discarded;
  discarded.str({});
  return discarded;
}

std::string command_of(const std::string& program, int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') return program + " " + argv[i];
  return program;
}

void require_one_process(const std::string& program) {
  const int size = distributed::Communicator::world().size();
  if (size > 1)
    throw distributed::CollectiveError(
        fmt::format("{} runs on one process; it was started on {} (mpirun): run it without mpirun",
                    program, size));
}

}  // namespace unroll::cli
