// `make demo` runs `charlm demo`: what a newcomer reads last is its sample and its figures. The
// demo exactly as `make demo` runs it (800 steps on tiny-shakespeare: the same result everywhere).
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "tests/scratch_dir.hpp"

namespace {

using unroll::testing::slurp;

// The longest run of one byte in `text`.
std::size_t longest_run(const std::string& text) {
  std::size_t longest = 0, run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    run = i > 0 && text[i] == text[i - 1] ? run + 1 : 1;
    longest = std::max(longest, run);
  }
  return longest;
}

}  // namespace

TEST_CASE("the demo's sample is not one repeated symbol and its model beats the unigram baseline",
          "[cli][demo]") {
  unroll::testing::ScratchDir box;
  const std::string out = box.path("out.txt");
  const std::string command = std::string(CHARLM_BIN) + " demo --data " + std::string(SHAKESPEARE) +
                              " --prime ROMEO: --out " + box.path("demo.safetensors") + " >" + out +
                              " 2>&1";
  const int status = std::system(command.c_str());
  const std::string text = slurp(out);
  INFO(text);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const std::string header = "characters sampled from";
  const auto start = text.find('\n', text.find(header));
  const auto end = text.rfind("--- validation: ");
  REQUIRE(text.find(header) != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string sample = text.substr(start + 1, end - start - 1);
  CHECK(sample.size() >= 600);
  CHECK(longest_run(sample) <= 40);  // not dominated by one repeated symbol
  CHECK(std::set<char>(sample.begin(), sample.end()).size() >= 20);
  // The last line: the model's validation bits per character beside the unigram model's.
  std::smatch m;
  const std::string last = text.substr(end);
  REQUIRE(
      std::regex_search(last, m, std::regex(R"(([0-9.]+) bits per character; ([0-9.]+) from)")));
  const double model = std::stod(m[1]), unigram = std::stod(m[2]);
  CHECK(unigram > 4.0);
  CHECK(model < 0.75 * unigram);
}
