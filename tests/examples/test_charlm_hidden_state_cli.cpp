// End-to-end tests of charlm's hidden-state lab: `states`, `cells` (with --html and
// --intervene) and `sample --clamp`, on a tiny model trained on text with quotes and comments,
// and every kind of bad input.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "framework/io/safetensors.hpp"
#include "models/text/utf8.hpp"
#include "tests/program_run.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
namespace fs = std::filesystem;

namespace {

using Sandbox = unroll::testing::ScratchDir;
using unroll::testing::require_one_line_error;
using unroll::testing::Run;

Run charlm(const Sandbox& box, const std::string& args) {
  return unroll::testing::run_program(CHARLM_BIN, box, args);
}

// Code-like lines with strings and comments, about n characters.
std::string code(std::size_t n) {
  const std::string lines[] = {"int x = f(\"abc\");\n", "// a comment here\n",
                               "if (y) { g(\"de\", 2); }\n", "/* block */ z = 1;\n",
                               "s = \"long string\";\n"};
  std::string s;
  for (std::size_t i = 0; s.size() < n; ++i) s += lines[(i * 3 + i / 4) % 5];
  return s;
}

// A tiny LSTM trained for a few steps on code(6000), shared by the tests of this file.
struct Trained {
  Sandbox box;
  std::string data, ckpt;
  Trained() {
    data = box.write("code.txt", code(6000));
    ckpt = box.path("m.safetensors");
    const Run r = charlm(box, "train --data " + data +
                                  " --embed 8 --hidden 16 --layers 2 --seq 16 "
                                  "--batch 4 --steps 20 --eval-every 20 --out " +
                                  ckpt);
    INFO(r.err);
    REQUIRE(r.status == 0);
  }
};

const Trained& trained() {
  static const Trained t;
  return t;
}

}  // namespace

TEST_CASE("charlm states records every layer's h, c and gates, the text in its metadata",
          "[cli][states]") {
  const Trained& t = trained();
  const std::string out = t.box.path("states.safetensors");
  const Run r = charlm(t.box, "states --ckpt " + t.ckpt + " --data " + t.data + " --limit 500 " +
                                  "--logits --out " + out);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("recorded 500 of the text's 6"));
  const io::SafetensorsFile file = io::read_safetensors(out);
  CHECK(file.tensors.size() == 2 * 6 + 1);  // h c i f g o per layer, logits
  for (const char* name : {"layer0.h", "layer1.c", "layer1.f", "layer0.o"})
    CHECK(file.at(name).shape == Shape{500, 16});
  CHECK(file.metadata.at("text") == code(6000).substr(0, 500));
  CHECK(file.metadata.at("program") == "charlm states");

  const Run one = charlm(t.box, "states --ckpt " + t.ckpt + " --data " + t.data +
                                    " --limit 100 --layers 1 --no-gates --out " + out);
  REQUIRE(one.status == 0);
  const io::SafetensorsFile only = io::read_safetensors(out);
  CHECK(only.tensors.size() == 2);
  CHECK(only.tensors.count("layer1.h") == 1);
  CHECK(only.tensors.count("layer1.c") == 1);
}

TEST_CASE("charlm cells ranks cells for every feature and reports gate saturation",
          "[cli][cells]") {
  const Trained& t = trained();
  const std::string page = t.box.path("page.html");
  const Run r =
      charlm(t.box, "cells --ckpt " + t.ckpt + " --data " + t.data + " --top 2 --html " + page);
  INFO(r.err);
  REQUIRE(r.status == 0);
  for (const char* feature : {"double-quoted string", "comment", "bracket depth",
                              "position in line", "indentation width"})
    CHECK_THAT(r.out, Catch::Contains(feature));
  CHECK_THAT(r.out, Catch::Contains("ROC AUC"));
  CHECK_THAT(r.out, Catch::Contains("|Spearman|"));
  CHECK_THAT(r.out, Catch::Contains("layer 1 gate f: left"));
  CHECK_THAT(r.out,
             Catch::Contains("single-quoted literal  ROC AUC     (constant over this text)"));
  CHECK(fs::file_size(page) > 0);
}

TEST_CASE("charlm cells --intervene measures the text generated with the best cells clamped",
          "[cli][cells]") {
  const Trained& t = trained();
  const Run r = charlm(t.box, "cells --ckpt " + t.ckpt + " --data " + t.data +
                                  " --intervene --samples 2 --length 40");
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("intervention:"));
  CHECK_THAT(r.out, Catch::Contains("double-quoted string — cell "));
  CHECK_THAT(r.out, Catch::Contains("free"));
  CHECK_THAT(r.out, Catch::Contains("(its median inside)"));
  CHECK_THAT(r.out, Catch::Contains("(its median outside)"));
}

TEST_CASE("charlm sample --clamp changes the text, and without it the text is unchanged",
          "[cli][clamp]") {
  const Trained& t = trained();
  const std::string sample = "sample --ckpt " + t.ckpt + " --length 80 --seed 3 --prime int";
  const Run free = charlm(t.box, sample), again = charlm(t.box, sample);
  const Run clamped = charlm(t.box, sample + " --clamp 1:3=1 --clamp 0:2:c=-3");
  REQUIRE(free.status == 0);
  REQUIRE(clamped.status == 0);
  CHECK(free.out == again.out);
  CHECK(clamped.out != free.out);
  CHECK(clamped.out.rfind("int", 0) == 0);
}

TEST_CASE("the hidden-state commands refuse bad input with one clear line", "[cli][bad]") {
  const Trained& t = trained();
  const std::string sample = "sample --ckpt " + t.ckpt + " --length 5 ";
  require_one_line_error(charlm(t.box, sample + "--clamp 2:0=1"),
                         "layer 2 does not exist; the model has 2 (0 to 1)");
  require_one_line_error(charlm(t.box, sample + "--clamp 0:16=1"),
                         "cell 16 does not exist; layers have 16 (0 to 15)");
  require_one_line_error(charlm(t.box, sample + "--clamp 0:1=x"), "not a finite number");
  require_one_line_error(charlm(t.box, sample + "--clamp 0,1"), "expected LAYER:CELL=VALUE");
  const std::string states = "states --ckpt " + t.ckpt + " --out " + t.box.path("s.safetensors");
  require_one_line_error(charlm(t.box, states + " --data " + t.data + " --layers 0,4"),
                         "layer 4 does not exist");
  require_one_line_error(charlm(t.box, states + " --data " + t.box.write("k.txt", "int 한 x")),
                         "'한' (U+D55C)");
  require_one_line_error(charlm(t.box, states + " --data " + t.box.path("missing.txt")),
                         "missing.txt");
  require_one_line_error(charlm(t.box, states + " --data " + t.data + " --limit 0"), "--limit");
  require_one_line_error(charlm(t.box, "states --ckpt " + t.ckpt + " --data " + t.data + " --out " +
                                           t.box.path("no/such/dir/s.safetensors")),
                         "no/such/dir");
  require_one_line_error(
      charlm(t.box, "cells --ckpt " + t.box.write("bad.safetensors", "junk") + " --data " + t.data),
      "bad.safetensors");
  require_one_line_error(
      charlm(t.box, "cells --ckpt " + t.ckpt + " --data " + t.box.write("empty.txt", "")),
      "is empty");
  CHECK_FALSE(fs::exists(t.box.path("s.safetensors")));
}

TEST_CASE("charlm cells refuses a model whose states are not finite, naming where", "[cli][bad]") {
  const Trained& t = trained();
  io::SafetensorsFile file = io::read_safetensors(t.ckpt);
  io::SafetensorsFile diverged;
  diverged.metadata = file.metadata;
  for (const auto& [name, tensor] : file.tensors) {
    Array<float> values = tensor.as<float>();
    if (name.find("weight_hh") != std::string::npos) values.fill(std::nanf(""));
    diverged.add(name, values);
  }
  const std::string ckpt = t.box.path("diverged.safetensors");
  io::write_safetensors(ckpt, diverged);
  const Run r = charlm(t.box, "cells --ckpt " + ckpt + " --data " + t.data);
  require_one_line_error(r, "cells: layer 0's h is ");
  CHECK_THAT(r.err, Catch::Contains("at character 0 (cell 0)") &&
                        Catch::Contains("the model gives non-finite states"));
}
