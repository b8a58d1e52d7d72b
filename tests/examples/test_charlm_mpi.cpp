// Data-parallel charlm train under `mpirun -q -np 2 --oversubscribe` on this machine (loopback):
// two ranks give the weights one process gives (LSTM and GRU, with dropout), resume exactly,
// refuse a batch they do not divide and ranks that disagree, stop together when one is killed,
// and the commands that run on one process refuse mpirun. Tiny models: seconds in all.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "framework/io/safetensors.hpp"
#include "tests/mpi_run.hpp"

using namespace unroll;
namespace fs = std::filesystem;

namespace {

using Sandbox = unroll::testing::ScratchDir;
using unroll::testing::checkpoint_bytes;
using unroll::testing::english_like;
using unroll::testing::require_close;
using unroll::testing::require_one_line_error;
using unroll::testing::Run;
using unroll::testing::slurp;

Run on_ranks(int ranks, const Sandbox& box, const std::string& args) {
  return unroll::testing::run_on_ranks(ranks, CHARLM_BIN, box, args);
}

Run one_process(const Sandbox& box, const std::string& args) {
  return unroll::testing::run_program(CHARLM_BIN, box, args);
}

// Two layers, so that dropout (between them) draws masks; one compute thread per rank.
const std::string kModelOfAnyBatch =
    "--embed 8 --hidden 16 --layers 2 --dropout 0.3 --seq 16 --eval-every 5 --threads 1";
const std::string kModel = kModelOfAnyBatch + " --batch 8";

}  // namespace

TEST_CASE("2 ranks train the weights one process trains, with dropout", "[mpi]") {
  for (const std::string cell : {"lstm", "gru"}) {
    INFO(cell);
    Sandbox box;
    const std::string data = box.write("text.txt", english_like(6000));
    const std::string args = "train --data " + data + " " + kModel + " --cell " + cell +
                             " --windows stream --steps 5 --out ";
    const Run one = one_process(box, args + box.path("one.safetensors"));
    const Run two = on_ranks(2, box, args + box.path("two.safetensors"));
    INFO(one.err << two.err);
    REQUIRE(one.status == 0);
    REQUIRE(two.status == 0);
    require_close(box.path("one.safetensors"), box.path("two.safetensors"));
    // The training state too: moments, and the carried states gathered from both ranks.
    require_close(box.path("one.train.safetensors"), box.path("two.train.safetensors"));
    // One dropout stream, advanced past the whole batch's masks on every rank.
    const auto one_state = io::read_safetensors(box.path("one.train.safetensors"));
    const auto two_state = io::read_safetensors(box.path("two.train.safetensors"));
    CHECK(one_state.metadata.at("dropout_rng") == two_state.metadata.at("dropout_rng"));
    // Only rank 0 speaks: one summary line.
    CHECK(unroll::testing::count_of(two.out, "saved ") == 1);
  }
}

TEST_CASE("2 ranks with random windows train the weights one process trains", "[mpi]") {
  Sandbox box;
  const std::string data = box.write("text.txt", english_like(6000));
  const std::string args =
      "train --data " + data + " " + kModel + " --windows random --steps 5 --out ";
  REQUIRE(one_process(box, args + box.path("one.safetensors")).status == 0);
  REQUIRE(on_ranks(2, box, args + box.path("two.safetensors")).status == 0);
  require_close(box.path("one.safetensors"), box.path("two.safetensors"));
}

TEST_CASE("2 ranks resume exactly", "[mpi]") {
  Sandbox box;
  const std::string data = box.write("text.txt", english_like(6000));
  const std::string args = "train --data " + data + " " + kModel + " --out ";
  REQUIRE(on_ranks(2, box, args + box.path("whole.safetensors") + " --steps 8").status == 0);
  REQUIRE(on_ranks(2, box, args + box.path("part.safetensors") + " --steps 3").status == 0);
  const Run resumed = on_ranks(
      2, box,
      args + box.path("part.safetensors") + " --steps 8 --resume " + box.path("part.safetensors"));
  INFO(resumed.err);
  REQUIRE(resumed.status == 0);
  CHECK(checkpoint_bytes(box.path("part.safetensors")) ==
        checkpoint_bytes(box.path("whole.safetensors")));
  CHECK(checkpoint_bytes(box.path("part.train.safetensors")) ==
        checkpoint_bytes(box.path("whole.train.safetensors")));
}

TEST_CASE("a run of 2 ranks resumes on one process, as if it had been one all along", "[mpi]") {
  Sandbox box;
  const std::string data = box.write("text.txt", english_like(6000));
  const std::string args = "train --data " + data + " " + kModel + " --out ";
  REQUIRE(one_process(box, args + box.path("whole.safetensors") + " --steps 6").status == 0);
  REQUIRE(on_ranks(2, box, args + box.path("part.safetensors") + " --steps 3").status == 0);
  const Run resumed = one_process(box, args + box.path("part.safetensors") +
                                           " --steps 6 --resume " + box.path("part.safetensors"));
  INFO(resumed.err);
  REQUIRE(resumed.status == 0);
  require_close(box.path("part.safetensors"), box.path("whole.safetensors"));
  require_close(box.path("part.train.safetensors"), box.path("whole.train.safetensors"));
}

TEST_CASE("2 ranks validate as one process does: the same losses in the log", "[mpi]") {
  Sandbox box;
  const std::string data = box.write("text.txt", english_like(6000));
  const std::string args = "train --data " + data + " " + kModel + " --steps 10 --out ";
  REQUIRE(one_process(box, args + box.path("one.safetensors") + " --log " + box.path("one.csv"))
              .status == 0);
  REQUIRE(on_ranks(2, box, args + box.path("two.safetensors") + " --log " + box.path("two.csv"))
              .status == 0);
  const auto column = [&](const std::string& path, const std::string& name) {
    std::istringstream rows(slurp(path));
    std::string line, cell;
    std::getline(rows, line);
    std::size_t at = 0;
    for (std::istringstream header(line); std::getline(header, cell, ',') && cell != name;) ++at;
    std::vector<double> values;
    while (std::getline(rows, line)) {
      std::istringstream row(line);
      for (std::size_t i = 0; i <= at; ++i) std::getline(row, cell, ',');
      if (!cell.empty()) values.push_back(std::stod(cell));
    }
    return values;
  };
  for (const std::string name : {"train_loss", "val_loss"}) {
    INFO(name);
    const auto one = column(box.path("one.csv"), name), two = column(box.path("two.csv"), name);
    // Every step's training loss; the last validation's loss from step 5 (validated at 5, 10).
    REQUIRE(one.size() == (name == "train_loss" ? 10u : 6u));
    REQUIRE(two.size() == one.size());
    for (std::size_t i = 0; i < one.size(); ++i) CHECK(two[i] == Approx(one[i]).epsilon(1e-5));
  }
}

TEST_CASE("a command-line error under mpirun is one line, from rank 0", "[mpi]") {
  Sandbox box;
  require_one_line_error(on_ranks(2, box, "train --hidden 0 --out " + box.path("m.safetensors")),
                         "--hidden");
}

TEST_CASE("2 ranks refuse a batch they do not divide, with one line", "[mpi]") {
  Sandbox box;
  const std::string data = box.write("text.txt", english_like(6000));
  const Run r = on_ranks(2, box,
                         "train --data " + data + " " + kModelOfAnyBatch +
                             " --batch 5 --steps 2 --out " + box.path("m.safetensors"));
  require_one_line_error(r, "--batch 5 is not divisible by the 2 ranks");
  CHECK_FALSE(fs::exists(box.path("m.safetensors")));
}

TEST_CASE("ranks that disagree on their data or settings stop with one line", "[mpi]") {
  Sandbox box;
  const std::string text = english_like(6000);
  std::string shifted = text.substr(7) + text.substr(0, 7);  // the same symbols, other data
  const std::string a = box.write("a.txt", text), b = box.write("b.txt", shifted);
  const std::string common = " " + kModel + " --out " + box.path("m.safetensors");
  const Sandbox session;
  auto mpmd = [&](const std::string& first, const std::string& second) {
    return unroll::testing::run_program(unroll::testing::mpirun_in(session) + " -np 1 " +
                                            CHARLM_BIN + " train " + first + common + " : -np 1 " +
                                            CHARLM_BIN + " train " + second + common,
                                        box, "");
  };
  const std::string a2 = "--data " + a + " --steps 2";
  require_one_line_error(mpmd(a2, "--data " + b + " --steps 2"),
                         "ranks disagree on the training data");
  require_one_line_error(mpmd(a2 + " --seed 1", a2 + " --seed 2"),
                         "ranks disagree on the batch, window and seed settings");
  // Each step is collective: ranks that would take different numbers of them never start.
  require_one_line_error(mpmd(a2, "--data " + a + " --steps 3"),
                         "ranks disagree on the loop settings");
  CHECK_FALSE(fs::exists(box.path("m.safetensors")));
}

TEST_CASE("a rank killed mid-run stops every rank, and the checkpoint stays the last complete one",
          "[mpi]") {
  Sandbox box;
  const std::string data = box.write("text.txt", english_like(6000));
  const std::string ckpt = box.path("m.safetensors"), state = box.path("m.train.safetensors");
  const std::string args = "train --data " + data + " " + kModel + " --out " + ckpt;
  REQUIRE(on_ranks(2, box, args + " --steps 3").status == 0);
  const std::string before = slurp(ckpt), state_before = slurp(state);

  // Resume for many steps, kill rank 1 once rank 0 has logged step 10.
  const std::string out = box.path("run.out"), err = box.path("run.err"), log = box.path("run.csv");
  // Open MPI's shared-memory transport reads a peer's memory directly for large messages, and
  // prints a line of its own ("Read -1, expected …") when the peer died mid-read: copy through
  // its buffers instead, so that what stderr holds is ours.
  const Sandbox session;
  const std::string command = unroll::testing::mpirun_in(session) +
                              " --mca btl_vader_single_copy_mechanism none -np 2 " + CHARLM_BIN +
                              " " + args + " --steps 1000000 --log " + log + " --resume " + ckpt +
                              " >" + out + " 2>" + err;
  const pid_t shell = ::fork();
  REQUIRE(shell >= 0);
  if (shell == 0) {
    ::setpgid(0, 0);  // the job's own process group, which the guard below can end
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Whatever fails below, the job of a million steps does not outlive the test.
  struct EndJob {
    pid_t group;
    ~EndJob() {
      if (group > 0) ::kill(-group, SIGKILL), ::waitpid(group, nullptr, 0);
    }
  } end_job{shell};
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  const auto logged = [&] {  // the header and a row per step
    const std::string rows = slurp(log);
    return std::count(rows.begin(), rows.end(), '\n');
  };
  while (logged() < 11 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(logged() >= 11);
  // Rank 1: the process whose environment names rank 1 and whose command line names this box.
  pid_t rank1 = -1;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (!std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const std::string cmdline = slurp(entry.path() / "cmdline");
    const std::string environ = slurp(entry.path() / "environ");
    if (cmdline.find(ckpt) != std::string::npos && cmdline.find("charlm") != std::string::npos &&
        environ.find(std::string("OMPI_COMM_WORLD_RANK=1") + '\0') != std::string::npos)
      rank1 = static_cast<pid_t>(std::stol(name));
  }
  REQUIRE(rank1 > 0);
  REQUIRE(::kill(rank1, SIGKILL) == 0);
  int status = 0;
  pid_t done = 0;
  while ((done = ::waitpid(shell, &status, WNOHANG)) == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(done == shell);
  end_job.group = 0;  // reaped
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) != 0));
  const std::string message = slurp(err);
  INFO(message);
  CHECK(std::count(message.begin(), message.end(), '\n') == 1);
  CHECK_THAT(message, Catch::Contains("stopped by mpirun"));
  CHECK(slurp(ckpt) == before);
  CHECK(slurp(state) == state_before);
  std::set<std::string> files;  // nothing half-written beside them
  for (const auto& entry : fs::directory_iterator(box.dir))
    files.insert(entry.path().filename().string());
  CHECK(files == std::set<std::string>{"text.txt", "m.safetensors", "m.train.safetensors",
                                       "run.out", "run.err", "run.csv", "stdin.txt", "stdout.txt",
                                       "stderr.txt"});
}

TEST_CASE("charlm's commands but train refuse mpirun with one line", "[mpi]") {
  Sandbox box;
  const Run sample = on_ranks(2, box, "sample --ckpt " + box.path("none.safetensors"));
  require_one_line_error(sample, "charlm sample runs on one process");
  const Run states = on_ranks(
      2, box,
      "states --ckpt " + box.path("none.safetensors") + " --out " + box.path("s.safetensors"));
  require_one_line_error(states, "charlm states runs on one process");
}
