#include "lab/command_line.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "framework/gemm.hpp"
#include "lab/runner.hpp"

namespace unroll::lab {

int run_from_command_line(const Experiment& experiment, int argc, char** argv) {
  const std::string program = argc > 0 ? argv[0] : experiment.name();
  RunOptions options;
  std::string out = "lab-results";
  int threads = 1;
  auto count = [&](int& i) {  // the value after flag i: a whole number ≥ 1
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a number");
    const std::string text = argv[++i];
    std::size_t n = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || n == 0)
      throw std::invalid_argument(fmt::format("{} {}: not a whole number ≥ 1", flag, text));
    return n;
  };
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--quick" || a == "--full") {
        if (options.scale != Scale::Default)
          throw std::invalid_argument("--quick and --full exclude each other");
        options.scale = a == "--quick" ? Scale::Quick : Scale::Full;
      } else if (a == "--seeds") {
        options.seeds = count(i);
      } else if (a == "--threads") {
        threads = static_cast<int>(count(i));
      } else if (a == "--out") {
        if (i + 1 >= argc) throw std::invalid_argument("--out needs a folder");
        out = argv[++i];
      } else {
        throw std::invalid_argument(fmt::format("unknown argument '{}'", a));
      }
    }
  } catch (const std::invalid_argument& e) {
    fmt::print(stderr,
               "{}: {}\nusage: {} [--quick | --full] [--seeds N] [--threads N] [--out DIR]\n",
               program, e.what(), program);
    return 2;
  }
  try {
    set_compute_threads(threads);
    options.out = out + "/" + experiment.name();
    options.command = std::filesystem::path(program).filename().string();
    return run_experiment(experiment, options).interrupted ? 130 : 0;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    fmt::print(stderr, "{}: {}\n", program, e.what());
    return 1;
  }
}

}  // namespace unroll::lab
