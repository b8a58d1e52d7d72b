// Ctrl-C during `lab run`: the program stops after the run in progress, keeps every finished
// run in results.csv and run.json, reports them, and exits 130 — as the README says.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "lab/table.hpp"
#include "tests/scratch_dir.hpp"

namespace {

using unroll::testing::slurp;

}  // namespace

TEST_CASE("Ctrl-C stops the lab cleanly and keeps the finished runs", "[lab][signal]") {
  unroll::testing::ScratchDir box;
  const std::string out = box.path("out.txt"), folder = box.path("clipping");
  // The default scale: 70 runs of about a second each, so most are still to come.
  const std::string command =
      "exec " + std::string(LAB_BIN) + " run clipping --out " + box.path("") + " >" + out + " 2>&1";
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Interrupt once the first run has finished (piped, the runner prints a line per run).
  bool first_done = false;
  for (int i = 0; i < 15000 && !first_done; ++i) {
    first_done = slurp(out).find("clipping: run 1/70") != std::string::npos;
    if (!first_done) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(first_done);
  ::kill(pid, SIGINT);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  const std::string printed = slurp(out);
  INFO(printed);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK_THAT(printed, Catch::Contains("interrupted: clipping: "));
  const auto record = nlohmann::json::parse(slurp(folder + "/run.json"));
  const std::size_t finished = record.at("finished");
  CHECK(finished >= 1);
  CHECK(finished < 70);
  CHECK(record.at("runs") == 70);
  // results.csv holds exactly the finished runs: one (setting, seed) per run, none cut short.
  const auto results = unroll::lab::Table::parse_csv(slurp(folder + "/results.csv"));
  std::set<std::string> runs;
  for (std::size_t r = 0; r < results.size(); ++r) {
    std::string key;
    for (const auto& column : results.columns())
      if (column == "cell" || column == "clip" || column == "threshold" || column == "seed")
        key += results.at(r, column) + "|";
    runs.insert(key);
  }
  CHECK(runs.size() == finished);
  CHECK_THAT(slurp(folder + "/report.md"),
             Catch::Contains(std::to_string(finished) + " of 70 runs finished (interrupted)"));
}
