// The classifier's data: files found per class (missing folders skipped, an empty class refused),
// split by file (disjoint, complete, deterministic with the seed), snippets within [16, 256]
// drawn from their own class's text; and the default classes all found in this checkout.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "framework/errors.hpp"
#include "models/classifier/batch.hpp"
#include "models/classifier/text_classes.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
using namespace unroll::classifier;
namespace fs = std::filesystem;

namespace {

// Two classes under `box`: "up" (7 files of capitals) and "low" (6 of lower case, one folder
// deeper, and a script with a shebang).
std::vector<ClassSpec> toy_classes(const unroll::testing::ScratchDir& box) {
  fs::create_directories(box.path("up")), fs::create_directories(box.path("low/deeper"));
  for (int i = 0; i < 7; ++i)
    box.write("up/f" + std::to_string(i) + ".txt", std::string(40 + 30 * i, 'A' + i));
  for (int i = 0; i < 6; ++i)
    box.write("low/deeper/g" + std::to_string(i) + ".txt", std::string(300, 'a' + i));
  box.write("low/short.txt", "too short");  // under 16 bytes: skipped
  box.write("low/script", "#!/bin/sh\necho a script long enough to count\n");
  box.write("low/not-a-script", "echo no shebang here, long enough to count\n");
  return {{"up", {{box.path("up"), {"*.txt"}}, {box.path("missing"), {"*.txt"}}}},
          {"low", {{box.path("low"), {"*.txt"}}, {box.path("low"), {"*script*"}, false, true}}}};
}

std::set<std::string> paths(const std::vector<TextFile>& files) {
  std::set<std::string> out;
  for (const auto& f : files) out.insert(f.path + "#" + std::to_string(f.offset));
  return out;
}

}  // namespace

TEST_CASE("discovery finds each class's files, skipping missing folders and short files",
          "[classifier][data]") {
  unroll::testing::ScratchDir box;
  const auto found = discover_classes(toy_classes(box));
  REQUIRE(found.size() == 2);
  CHECK(found[0].name == "up");
  CHECK(found[0].files.size() == 7);
  CHECK(found[1].files.size() == 7);  // 6 .txt files below and the one script with a shebang
  CHECK(paths(found[1].files).count(box.path("low/script") + "#0") == 1);
  CHECK(found[0].bytes() == 7 * 40 + 30 * 21);
  CHECK_THAT(describe(found), Catch::Contains("up: 7 files"));
}

TEST_CASE("a class with no files is an error naming it", "[classifier][data]") {
  unroll::testing::ScratchDir box;
  auto specs = toy_classes(box);
  specs.push_back({"nothing", {{box.path("missing"), {"*"}}}});
  CHECK_THROWS_WITH(
      discover_classes(specs),
      Catch::Contains("class 'nothing' has no files (looked in " + box.path("missing")));
  specs.back().name = "up";
  CHECK_THROWS_WITH(discover_classes(specs), Catch::Contains("'up' is used twice"));
}

TEST_CASE("a large file is cut into sections at line breaks", "[classifier][data]") {
  unroll::testing::ScratchDir box;
  std::string text;
  for (int i = 0; i < 100; ++i) text += "line number " + std::to_string(i) + "\n";
  const auto path = box.write("one.txt", text);
  const auto found = discover_classes({{"one", {{path, {}, true, false, 200}}}});
  const auto& files = found[0].files;
  REQUIRE(files.size() > 5);
  std::size_t covered = 0;
  for (const auto& f : files) {
    CHECK(f.offset == covered);
    CHECK(text[f.offset + f.bytes - 1] == '\n');
    covered += f.bytes;
  }
  CHECK(covered == text.size());
}

TEST_CASE("the split is by file: disjoint, complete, seeded", "[classifier][data]") {
  unroll::testing::ScratchDir box;
  const auto found = discover_classes(toy_classes(box));
  const auto a = split_by_file(found, 0.2, 1), b = split_by_file(found, 0.2, 1);
  for (std::size_t c = 0; c < found.size(); ++c) {
    const auto train = paths(a[c].train), held = paths(a[c].held_out);
    CHECK(held.size() == 2);  // ⌈0.2 · 7⌉
    CHECK(train.size() + held.size() == found[c].files.size());
    for (const auto& p : held) CHECK(train.count(p) == 0);
    CHECK(paths(b[c].held_out) == held);
  }
  bool differs = false;
  for (std::uint64_t seed = 2; seed < 6 && !differs; ++seed)
    differs = paths(split_by_file(found, 0.2, seed)[0].held_out) != paths(a[0].held_out);
  CHECK(differs);
  CHECK_THROWS_WITH(split_by_file(found, 1.0, 1), Catch::Contains("fraction 1 is not in (0, 1)"));
}

TEST_CASE("snippets are 16 to 256 symbols of their own class, the same for the same seed",
          "[classifier][data]") {
  unroll::testing::ScratchDir box;
  const auto split = split_by_file(discover_classes(toy_classes(box)), 0.2, 1);
  const auto texts = load_texts(split, false, 1 << 20);
  std::mt19937_64 rng(9), again(9);
  std::size_t longest = 0;
  std::set<std::size_t> labels;
  for (int i = 0; i < 300; ++i) {
    const Snippet s = draw_snippet(texts, rng);
    CHECK(s.text.size() >= kMinSnippet);
    CHECK(s.text.size() <= kMaxSnippet);
    longest = std::max(longest, s.text.size());
    labels.insert(s.label);
    bool inside = false;
    for (const auto& f : texts[s.label].files) inside = inside || f.find(s.text) != f.npos;
    CHECK(inside);
    CHECK(draw_snippet(texts, again).text == s.text);
  }
  CHECK(labels.size() == 2);
  CHECK(longest > 200);
  const auto eval = stratified_snippets(load_texts(split, true, 1 << 20), 5, 3);
  CHECK(eval.size() == 2 * 4 * 5);
  for (const auto& s : eval) CHECK(s.text.size() >= kMinSnippet);
}

TEST_CASE("the default classes are all found in this checkout and this system",
          "[classifier][data]") {
  const auto found = discover_classes(default_classes(UNROLL_SOURCE_DIR));
  REQUIRE(found.size() == 5);
  for (const auto& c : found) {
    INFO(c.name);
    CHECK(c.files.size() >= 5);
    CHECK(c.bytes() > 10000);
  }
  const auto split = split_by_file(found, 0.2, 1);
  const auto held = load_texts(split, true, 1 << 20);
  for (const auto& c : held) CHECK(c.symbols() > 0);
}
