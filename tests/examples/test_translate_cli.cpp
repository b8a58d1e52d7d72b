// End-to-end tests of build/bin/translate at tiny scale: train, eval, predict from stdin, the
// attention heatmap, resume bit-exact, and every kind of bad input (one line on stderr, a
// non-zero exit, no checkpoint).
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>

#include "models/tasks/dates.hpp"
#include "tests/program_run.hpp"

using namespace unroll;
namespace fs = std::filesystem;

namespace {

using Sandbox = unroll::testing::ScratchDir;
using unroll::testing::checkpoint_bytes;
using unroll::testing::require_one_line_error;
using unroll::testing::Run;
using unroll::testing::slurp;

Run translate(const Sandbox& box, const std::string& args, const std::string& input = "") {
  return unroll::testing::run_program(TRANSLATE_BIN, box, args, input);
}

const std::string kTiny = "--embed 8 --hidden 8 --batch 8 --threads 1 --eval-every 5";

}  // namespace

TEST_CASE("translate --help and predict --help list every input format", "[cli]") {
  Sandbox box;
  for (const std::string cmd : {"--help", "predict --help"}) {
    const auto h = translate(box, cmd);
    REQUIRE(h.status == 0);
    for (const auto& f : tasks::date_formats()) {
      CHECK_THAT(h.out, Catch::Contains(f.pattern));
      CHECK_THAT(h.out, Catch::Contains(f.example));
    }
  }
}

TEST_CASE("translate trains, evaluates, predicts and draws attention", "[cli]") {
  Sandbox box;
  const std::string ckpt = box.path("t.safetensors");
  const auto r = translate(box, "train " + kTiny +
                                    " --steps 10 --attention additive "
                                    "--bidirectional --out " +
                                    ckpt + " --log " + box.path("t.csv"));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("step 10/10"));
  CHECK_THAT(r.out, Catch::Contains("exact"));
  const auto file = io::read_safetensors(ckpt);
  CHECK(file.metadata.at("program") == "translate");
  CHECK(file.metadata.at("attention") == "additive");
  CHECK(file.metadata.at("target_vocab") == R"(["-","0","1","2","3","4","5","6","7","8","9"])");
  CHECK(file.tensors.count("encoder.weight_ih_l0_reverse") == 1);
  CHECK(file.tensors.count("attention.v") == 1);
  CHECK_THAT(slurp(box.path("t.csv")), Catch::Contains("val_accuracy"));

  for (const std::string beam : {"1", "2"}) {
    const auto e = translate(box, "eval --threads 1 --count 30 --beam " + beam + " --ckpt " + ckpt);
    INFO(e.err);
    REQUIRE(e.status == 0);
    CHECK_THAT(e.out, Catch::Contains("held-out: 30 dates"));
    CHECK_THAT(e.out, Catch::Contains("26–32 symbols"));
    CHECK_THAT(e.out, Catch::Contains("korean_weekday"));
  }

  const auto p = translate(box, "predict --ckpt " + ckpt, "3rd of March 2021\n2021년 3월 3일\n");
  INFO(p.err);
  REQUIRE(p.status == 0);
  CHECK(std::count(p.out.begin(), p.out.end(), '\n') == 2);

  const auto a = translate(
      box, "attention --ckpt " + ckpt + " \"3rd of March 2021\" --out " + box.path("heat"));
  INFO(a.err);
  REQUIRE(a.status == 0);
  CHECK(fs::file_size(box.path("heat.svg")) > 0);
  CHECK(slurp(box.path("heat.png")).substr(1, 3) == "PNG");
}

TEST_CASE("translate resumes bit for bit: 10 steps + 10 resumed = 20 steps", "[cli]") {
  Sandbox box;
  const std::string whole = box.path("whole.safetensors"), part = box.path("part.safetensors");
  REQUIRE(translate(box, "train " + kTiny + " --steps 20 --out " + whole).status == 0);
  REQUIRE(translate(box, "train " + kTiny + " --steps 10 --out " + part).status == 0);
  const auto after10 = checkpoint_bytes(part);
  const auto r =
      translate(box, "train " + kTiny + " --steps 20 --resume " + part + " --out " + part);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(checkpoint_bytes(part) != after10);
  CHECK(checkpoint_bytes(part) == checkpoint_bytes(whole));
  CHECK(io::read_safetensors(part).metadata.at("step") == "20");
  require_one_line_error(
      translate(box, "train " + kTiny + " --steps 30 --seed 2 --resume " + part + " --out " + part),
      "was made with seed 1; this run uses 2");
}

TEST_CASE("translate predict marks a bad line in its place and exits 2", "[cli]") {
  Sandbox box;
  const std::string ckpt = box.path("t.safetensors");
  REQUIRE(translate(box, "train " + kTiny + " --steps 2 --attention none --out " + ckpt).status ==
          0);
  const std::string too_long(40, '1');
  const auto p =
      translate(box, "predict --ckpt " + ckpt,
                "Mar 3, '21\n\n" + too_long + "\nbad \xff byte\n3 März 2021\n03/03/2021\n");
  CHECK(p.status == 2);
  // "": a translation (an untrained model's, of no fixed form), not an error
  const std::vector<std::string> expected = {
      "",        "error: empty line",    "error: 40 characters, over the 32",
      "error: ", "error: character 'ä'", ""};
  std::istringstream lines(p.out);
  std::string line;
  for (const auto& fragment : expected) {
    REQUIRE(std::getline(lines, line));
    if (fragment.empty())
      CHECK_THAT(line, !Catch::StartsWith("error"));
    else
      CHECK_THAT(line, Catch::Contains(fragment));
  }
  CHECK(!std::getline(lines, line));
  require_one_line_error(p, "4 of 6 lines could not be translated");
  require_one_line_error(
      translate(box, "attention --ckpt " + ckpt + " \"3 March 2021\" --out " + box.path("heat")),
      "trained with --attention none");
  CHECK(!fs::exists(box.path("heat.png")));
}

TEST_CASE("translate refuses bad input with one line and writes no checkpoint", "[cli][errors]") {
  Sandbox box;
  const std::string out = box.path("never.safetensors");
  require_one_line_error(translate(box, "train --hidden 0 --out " + out), "--hidden");
  require_one_line_error(translate(box, "train --attention luong --out " + out), "--attention");
  require_one_line_error(translate(box, "train --bidirectional --hidden 7 --out " + out),
                         "must be even");
  require_one_line_error(translate(box, "translate --out " + out),
                         "unknown command 'translate': expected train, eval, predict or attention");
  require_one_line_error(translate(box, "train --out " + box.path("no/such/dir/t.safetensors")),
                         "does not exist");
  require_one_line_error(
      translate(box, "train --resume " + box.path("missing.safetensors") + " --out " + out),
      "missing.safetensors");
  CHECK(!fs::exists(out));
  for (const std::string cmd : {"eval", "predict"})
    require_one_line_error(translate(box, cmd + " --ckpt " + box.path("missing.safetensors")),
                           "missing.safetensors");
  const std::string lm = box.path("lm.safetensors");
  REQUIRE(unroll::testing::run_program(CHARLM_BIN, box,
                                       "train --data " +
                                           box.write("t.txt", std::string(3000, 'a') + "bcd") +
                                           " --embed 4 --hidden 4 --layers 1 --seq 8 --batch 2 "
                                           "--steps 1 --threads 1 --out " +
                                           lm)
              .status == 0);
  require_one_line_error(translate(box, "predict --ckpt " + lm, "3 March 2021\n"),
                         "is not a translate checkpoint");
  require_one_line_error(translate(box, "attention --ckpt " + lm + " x --out " + box.path("h")),
                         "is not a translate checkpoint");
  const std::string ckpt = box.path("t.safetensors");
  REQUIRE(translate(box, "train " + kTiny + " --steps 1 --out " + ckpt).status == 0);
  require_one_line_error(
      translate(box, "attention --ckpt " + ckpt + " \"3 März\" --out " + box.path("h")),
      "is in none of the formats");
  require_one_line_error(translate(box, "attention --ckpt " + ckpt + " \"3 March 2021\" --out " +
                                            box.path("no/dir/h")),
                         "does not exist");
  require_one_line_error(translate(box, "eval --beam 0 --ckpt " + ckpt), "--beam");
}
