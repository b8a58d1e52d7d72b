// `make demo` runs `charlm demo`: what a newcomer reads last is its sample and its figures. The
// demo exactly as `make demo` runs it (800 steps: the same result on every machine).
#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/scratch_dir.hpp"

namespace {

using unroll::testing::slurp;

// The longest run of one byte in `text`, per byte.
std::map<char, std::size_t> longest_runs(const std::string& text) {
  std::map<char, std::size_t> longest;
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    run = i > 0 && text[i] == text[i - 1] ? run + 1 : 1;
    longest[text[i]] = std::max(longest[text[i]], run);
  }
  return longest;
}

}  // namespace

TEST_CASE("the demo's sample is not one repeated symbol and its model beats the unigram baseline",
          "[cli][demo]") {
  unroll::testing::ScratchDir box;
  const std::string out = box.path("out.txt");
  const std::string command = std::string(CHARLM_BIN) + " demo --out " +
                              box.path("demo.safetensors") + " >" + out + " 2>&1";
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
  // Not dominated by one symbol: none repeated longer than the corpus repeats it (its aligned
  // tables hold runs of some 80 spaces; a collapsed sample, well over a hundred).
  const auto corpus = longest_runs(slurp(DEFAULT_CORPUS));
  for (const auto& [symbol, run] : longest_runs(sample)) {
    INFO("a run of " << run << " '" << symbol << "'");
    CHECK(run <= corpus.at(symbol));
  }
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
