// End-to-end tests of build/bin/tag at tiny scale: train, eval, predict (letters piped, ANSI
// colour forced), resume bit-exact, and every kind of bad input (one line on stderr, a non-zero
// exit, no checkpoint).
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "tests/program_run.hpp"

using namespace unroll;
namespace fs = std::filesystem;

namespace {

using Sandbox = unroll::testing::ScratchDir;
using unroll::testing::checkpoint_bytes;
using unroll::testing::require_one_line_error;
using unroll::testing::Run;
using unroll::testing::slurp;

Run tag(const Sandbox& box, const std::string& args, const std::string& input = "") {
  return unroll::testing::run_program(TAG_BIN, box, args, input);
}

const std::string kTiny = "--embed 8 --hidden 8 --batch 4 --window 64 --threads 1 --eval-every 5";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

const std::string kSource =
    "#include <vector>\n"
    "// a comment\n"
    "int x = 42; /* spans\n"
    "two lines */ const char* s = \"hi\\n\";\n"
    "\n"
    "auto snowman = u8\"\xe2\x98\x83\";";  // no final newline; ☃ is one character

}  // namespace

TEST_CASE("tag trains, evaluates and predicts", "[cli]") {
  Sandbox box;
  const std::string ckpt = box.path("t.safetensors");
  const auto r = tag(box, "train " + kTiny + " --steps 10 --direction uni --out " + ckpt +
                              " --log " + box.path("t.csv"));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("training files"));
  CHECK_THAT(r.out, Catch::Contains("step 10/10"));
  CHECK_THAT(r.out, Catch::Contains("accuracy"));
  const auto file = io::read_safetensors(ckpt);
  CHECK(file.metadata.at("program") == "tag");
  CHECK(file.metadata.at("bidirectional") == "false");
  CHECK(file.tensors.count("rnn.weight_ih_l0") == 1);
  CHECK(file.tensors.count("rnn.weight_ih_l0_reverse") == 0);
  CHECK(file.tensors.count("head.weight") == 1);
  CHECK_THAT(slurp(box.path("t.csv")), Catch::Contains("val_accuracy"));

  const auto e = tag(box, "eval --threads 1 --ckpt " + ckpt);
  INFO(e.err);
  REQUIRE(e.status == 0);
  CHECK_THAT(e.out, Catch::Contains("characters of"));
  CHECK_THAT(e.out, Catch::Matches("[\\s\\S]*accuracy [0-9.]+ %[\\s\\S]*"));
  CHECK_THAT(e.out, Catch::Contains("preprocessor"));
  CHECK_THAT(e.out, Catch::Contains("F1"));
  CHECK_THAT(e.out, Catch::Contains("true\\pred"));

  // Piped: one letter per character, one output line per input line.
  const auto p = tag(box, "predict --ckpt " + ckpt, kSource);
  INFO(p.err);
  REQUIRE(p.status == 0);
  const auto in = lines_of(kSource), out = lines_of(p.out);
  REQUIRE(out.size() == in.size());
  for (std::size_t i = 0; i + 1 < in.size(); ++i) CHECK(out[i].size() == in[i].size());
  CHECK(out.back().size() == in.back().size() - 2);  // ☃: 3 bytes, one character
  CHECK_THAT(p.out, Catch::Matches("[cmsnp\n]+"));

  // Forced colour: the source itself comes back, with SGR escapes (an untrained model already
  // tags some characters as other than code).
  const auto c = tag(box, "predict --color always --ckpt " + ckpt, kSource);
  REQUIRE(c.status == 0);
  std::string plain;
  for (std::size_t i = 0; i < c.out.size(); ++i) {
    if (c.out[i] == '\x1b') {
      const auto m = c.out.find('m', i);
      REQUIRE(m != std::string::npos);
      i = m;
      continue;
    }
    plain += c.out[i];
  }
  CHECK(plain == kSource + "\n");
  CHECK_THAT(c.out, Catch::Contains("\x1b[0m"));  // at least one coloured run
  CHECK(tag(box, "predict --color never --ckpt " + ckpt, kSource).out == p.out);
}

TEST_CASE("tag resumes bit for bit: 10 steps + 10 resumed = 20 steps", "[cli]") {
  Sandbox box;
  const std::string whole = box.path("whole.safetensors"), part = box.path("part.safetensors");
  REQUIRE(tag(box, "train " + kTiny + " --steps 20 --out " + whole).status == 0);
  REQUIRE(tag(box, "train " + kTiny + " --steps 10 --out " + part).status == 0);
  const auto after10 = checkpoint_bytes(part);
  const auto r = tag(box, "train " + kTiny + " --steps 20 --resume " + part + " --out " + part);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(checkpoint_bytes(part) != after10);
  CHECK(checkpoint_bytes(part) == checkpoint_bytes(whole));
  CHECK(io::read_safetensors(part).metadata.at("step") == "20");
  const std::string part_bits = slurp(part);
  require_one_line_error(
      tag(box, "train " + kTiny + " --steps 30 --seed 2 --resume " + part + " --out " + part),
      "was made with seed 1; this run uses 2");
  CHECK(slurp(part) == part_bits);
}

TEST_CASE("tag refuses bad input with one line and writes no checkpoint", "[cli][errors]") {
  Sandbox box;
  const std::string out = box.path("never.safetensors");
  require_one_line_error(tag(box, "train --hidden 0 --out " + out), "--hidden");
  require_one_line_error(tag(box, "train --direction both --out " + out), "--direction");
  require_one_line_error(tag(box, "train --cell rnn --out " + out), "--cell");
  require_one_line_error(tag(box, "tag --out " + out), "unknown command 'tag'");
  require_one_line_error(tag(box, "train --out " + box.path("no/such/dir/t.safetensors")),
                         "does not exist");
  require_one_line_error(
      tag(box, "train " + kTiny + " --steps 2 --out " + out + " --root " + box.path("nothing")),
      "--root '" + box.path("nothing") + "' is not a folder");
  require_one_line_error(
      tag(box, "train --resume " + box.path("missing.safetensors") + " --out " + out),
      "missing.safetensors");
  CHECK(!fs::exists(out));

  const std::string ckpt = box.path("t.safetensors");
  REQUIRE(tag(box, "train " + kTiny + " --steps 1 --out " + ckpt).status == 0);
  require_one_line_error(tag(box, "predict --ckpt " + ckpt, "int x;\n\xff\xfe\n"),
                         "the input is not UTF-8 text");
  require_one_line_error(tag(box, "predict --ckpt " + ckpt, ""), "the input is empty");
  require_one_line_error(tag(box, "predict --ckpt " + ckpt, std::string((1 << 20) + 1, 'x')),
                         "the input is longer than 1048576 bytes");
  require_one_line_error(tag(box, "predict --color sometimes --ckpt " + ckpt, "x\n"), "--color");

  // Another program's checkpoint, a file that is no checkpoint, a missing one.
  const std::string charlm = box.path("charlm.safetensors");
  REQUIRE(std::system((std::string(CHARLM_BIN) + " train --data " +
                       box.write("t.txt", std::string(3000, 'a') + "bcd") +
                       " --embed 4 --hidden 4 --layers 1 --seq 8 --batch 2 --steps 1 --threads 1 "
                       "--out " +
                       charlm + " >/dev/null 2>&1")
                          .c_str()) == 0);
  require_one_line_error(tag(box, "predict --ckpt " + charlm, "x\n"), "is not a tag checkpoint");
  require_one_line_error(tag(box, "eval --ckpt " + charlm), "is not a tag checkpoint");
  require_one_line_error(tag(box, "predict --ckpt " + box.write("junk.safetensors", "junk"), "x"),
                         "junk.safetensors");
  require_one_line_error(tag(box, "predict --ckpt " + box.path("missing.safetensors"), "x"),
                         "missing.safetensors");
}

TEST_CASE("every tag command has --help", "[cli]") {
  Sandbox box;
  for (const std::string command : {"train", "eval", "predict"}) {
    const auto r = tag(box, command + " --help");
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("--threads"));
  }
  CHECK_THAT(tag(box, "predict --help").out, Catch::Contains("m comment"));
  CHECK_THAT(tag(box, "predict --help").out, Catch::Contains("--color"));
  CHECK_THAT(tag(box, "train --help").out, Catch::Contains("--direction"));
}
