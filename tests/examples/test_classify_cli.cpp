// End-to-end tests of build/bin/classify at tiny scale: train, eval, predict from stdin, resume
// bit-exact, and every kind of bad input (one line on stderr, a non-zero exit, no checkpoint).
#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/program_run.hpp"

using namespace unroll;
namespace fs = std::filesystem;

namespace {

using Sandbox = unroll::testing::ScratchDir;
using unroll::testing::checkpoint_bytes;
using unroll::testing::require_one_line_error;
using unroll::testing::Run;
using unroll::testing::slurp;

Run classify(const Sandbox& box, const std::string& args, const std::string& input = "") {
  return unroll::testing::run_program(CLASSIFY_BIN, box, args, input);
}

const std::string kTiny = "--embed 8 --hidden 8 --batch 4 --threads 1 --eval-every 5";

}  // namespace

TEST_CASE("classify trains, evaluates and predicts", "[cli]") {
  Sandbox box;
  const std::string ckpt = box.path("c.safetensors");
  const auto r = classify(box, "train " + kTiny + " --steps 10 --out " + ckpt + " --log " +
                                   box.path("c.csv") + " --pooling mean --bidirectional");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("found english:"));
  CHECK_THAT(r.out, Catch::Contains("step 10/10"));
  CHECK_THAT(r.out, Catch::Contains("accuracy"));
  const auto file = io::read_safetensors(ckpt);
  CHECK(file.metadata.at("program") == "classify");
  CHECK(file.metadata.at("classes") == R"(["english","cpp","markdown","cmake","shell"])");
  CHECK(file.metadata.at("pooling") == "mean");
  CHECK(file.metadata.at("bidirectional") == "true");
  CHECK(file.tensors.count("rnn.weight_ih_l0_reverse") == 1);
  CHECK(file.tensors.count("head.weight") == 1);
  CHECK_THAT(slurp(box.path("c.csv")), Catch::Contains("val_accuracy"));

  const auto e = classify(box, "eval --threads 1 --per-bucket 3 --ckpt " + ckpt);
  INFO(e.err);
  REQUIRE(e.status == 0);
  CHECK_THAT(e.out, Catch::Contains("held-out: 60 snippets"));
  CHECK_THAT(e.out, Catch::Contains("length 128–256"));
  CHECK_THAT(e.out, Catch::Contains("true\\pred"));

  const auto p = classify(box, "predict --ckpt " + ckpt,
                          "int main() {\\n  return 0;\\n}\nTo be, or not to be: ☃\n");
  INFO(p.err);
  REQUIRE(p.status == 0);
  const std::size_t lines = std::count(p.out.begin(), p.out.end(), '\n');
  CHECK(lines == 2);
  CHECK_THAT(p.out, Catch::Matches("(english|cpp|markdown|cmake|shell)\t[01]\\.[0-9]{3}\n"
                                   "(english|cpp|markdown|cmake|shell)\t[01]\\.[0-9]{3}\n"));
}

TEST_CASE("classify resumes bit for bit: 10 steps + 10 resumed = 20 steps", "[cli]") {
  Sandbox box;
  const std::string whole = box.path("whole.safetensors"), part = box.path("part.safetensors");
  REQUIRE(classify(box, "train " + kTiny + " --steps 20 --out " + whole).status == 0);
  REQUIRE(classify(box, "train " + kTiny + " --steps 10 --out " + part).status == 0);
  const auto after10 = checkpoint_bytes(part);
  const auto r =
      classify(box, "train " + kTiny + " --steps 20 --resume " + part + " --out " + part);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(checkpoint_bytes(part) != after10);
  CHECK(checkpoint_bytes(part) == checkpoint_bytes(whole));
  CHECK(io::read_safetensors(part).metadata.at("step") == "20");
  const std::string part_bits = slurp(part);
  require_one_line_error(
      classify(box, "train " + kTiny + " --steps 30 --seed 2 --resume " + part + " --out " + part),
      "was made with seed 1; this run uses 2");
  CHECK(slurp(part) == part_bits);
}

TEST_CASE("predict marks a bad line in its place and exits 2", "[cli]") {
  Sandbox box;
  const std::string ckpt = box.path("c.safetensors");
  REQUIRE(classify(box, "train " + kTiny + " --steps 2 --out " + ckpt).status == 0);
  const std::string too_long(300, 'x');
  const auto p = classify(box, "predict --ckpt " + ckpt,
                          "fine line\n\n" + too_long + "\nbad \xff byte\n\xe2\x98\x83 unknown\n");
  CHECK(p.status == 2);
  const std::vector<std::string> expected_fragments = {
      "\t", "error: empty snippet", "error: snippet of 300 symbols is longer than 256",
      "error: not valid UTF-8", "\t"};
  std::istringstream lines(p.out);
  std::string line;
  for (const auto& fragment : expected_fragments) {
    REQUIRE(std::getline(lines, line));
    CHECK_THAT(line, Catch::Contains(fragment));
  }
  CHECK(!std::getline(lines, line));
  require_one_line_error(p, "3 of 5 lines could not be classified");
}

TEST_CASE("classify refuses bad input with one line and writes no checkpoint", "[cli][errors]") {
  Sandbox box;
  const std::string out = box.path("never.safetensors");
  require_one_line_error(classify(box, "train --hidden 0 --out " + out), "--hidden");
  require_one_line_error(classify(box, "train --pooling sum --out " + out), "--pooling");
  require_one_line_error(classify(box, "train --cell rnn --out " + out), "--cell");
  require_one_line_error(classify(box, "classify --out " + out),
                         "unknown command 'classify': expected train, eval or predict");
  require_one_line_error(classify(box, "train --out " + box.path("no/such/dir/c.safetensors")),
                         "does not exist");
  require_one_line_error(classify(box, "train " + kTiny + " --steps 2 --out " + out + " --root " +
                                           box.path("nothing")),
                         "--root '" + box.path("nothing") + "' is not a folder");
  require_one_line_error(
      classify(box, "train --resume " + box.path("missing.safetensors") + " --out " + out),
      "missing.safetensors");
  CHECK(!fs::exists(out));

  // Another program's checkpoint, and a file that is no checkpoint at all.
  const std::string charlm = box.path("charlm.safetensors");
  REQUIRE(std::system((std::string(CHARLM_BIN) + " train --data " +
                       box.write("t.txt", std::string(3000, 'a') + "bcd") +
                       " --embed 4 --hidden 4 --layers 1 --seq 8 --batch 2 --steps 1 --threads 1 "
                       "--out " +
                       charlm + " >/dev/null 2>&1")
                          .c_str()) == 0);
  require_one_line_error(classify(box, "predict --ckpt " + charlm, "x\n"),
                         "is not a classify checkpoint");
  require_one_line_error(classify(box, "eval --ckpt " + charlm), "is not a classify checkpoint");
  require_one_line_error(classify(box, "predict --ckpt " + box.write("junk.safetensors", "junk")),
                         "junk.safetensors");
  require_one_line_error(classify(box, "predict --ckpt " + box.path("missing.safetensors")),
                         "missing.safetensors");
}

TEST_CASE("every classify command has --help", "[cli]") {
  Sandbox box;
  for (const std::string command : {"train", "eval", "predict"}) {
    const auto r = classify(box, command + " --help");
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("--threads"));
  }
  CHECK_THAT(classify(box, "predict --help").out, Catch::Contains("\\n"));
  CHECK_THAT(classify(box, "train --help").out, Catch::Contains("--pooling"));
}
