// Running a built program under `mpirun -q --oversubscribe -np N` from a test (loopback, as
// root where CI runs), and counting what the ranks printed.
#pragma once

#include <cstdlib>
#include <string>

#include "tests/program_run.hpp"

namespace unroll::testing {

// mpirun with its own banners off (-q: a failure is the program's one line), more ranks than
// cores allowed; Open MPI refuses to start as root unless its two variables say it may. Under
// `make sanitize` the ranks run without LeakSanitizer's exit check: Open MPI leaves allocations
// behind in components it unloads at MPI_Finalize, whose frames no suppression can name
// ("<unknown module>"); the same programs run on one process, leak-checked, in other tests.
inline const std::string& mpirun() {
  static const std::string command = [] {
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
    ::setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
    if (const char* asan = std::getenv("ASAN_OPTIONS"))  // this process has read it already
      ::setenv("ASAN_OPTIONS", (std::string(asan) + ":detect_leaks=0").c_str(), 1);
    return std::string(MPIRUN) + " -q --oversubscribe";
  }();
  return command;
}

// mpirun() with its session files in `session` (a folder of its own): two jobs that start at
// the same moment (ctest -j) otherwise race for Open MPI's shared session folder in /tmp, and
// one of them fails (ORTE_ERROR_LOG in session_dir.c).
inline std::string mpirun_in(const ScratchDir& session) {
  return mpirun() + " --mca orte_tmpdir_base " + session.dir.string();
}

// `program ARGS` on `ranks` processes.
inline Run run_on_ranks(int ranks, const std::string& program, const ScratchDir& box,
                        const std::string& args) {
  const ScratchDir session;
  return run_program(mpirun_in(session) + " -np " + std::to_string(ranks) + " " + program, box,
                     args);
}

// How many times `piece` occurs in `text`.
inline std::size_t count_of(const std::string& text, const std::string& piece) {
  std::size_t n = 0;
  for (auto at = text.find(piece); at != std::string::npos; at = text.find(piece, at + 1)) ++n;
  return n;
}

}  // namespace unroll::testing
