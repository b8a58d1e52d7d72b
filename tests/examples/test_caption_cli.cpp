// End-to-end tests of build/bin/caption at tiny scale: train, eval, write scenes, predict on
// them, resume bit-exact, and every kind of bad input (a per-line 'error:' and exit 2 for a bad
// image; one line on stderr and exit 1 for a bad checkpoint or command).
#include <catch2/catch.hpp>
#include <filesystem>

#include "framework/io/safetensors.hpp"
#include "tests/program_run.hpp"

using namespace unroll;

namespace {

using Sandbox = unroll::testing::ScratchDir;
using unroll::testing::checkpoint_bytes;
using unroll::testing::require_one_line_error;
using unroll::testing::Run;
using unroll::testing::slurp;

Run caption(const Sandbox& box, const std::string& args, const std::string& input = "") {
  return unroll::testing::run_program(CAPTION_BIN, box, args, input);
}

const std::string kTiny = "--encoder 16 --embed 8 --hidden 16 --batch 8 --threads 1 --eval-every 5";

std::size_t lines_of(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

}  // namespace

TEST_CASE("caption trains, evaluates, writes scenes and captions them", "[cli]") {
  Sandbox box;
  const std::string ckpt = box.path("c.safetensors");
  const auto r =
      caption(box, "train " + kTiny + " --steps 10 --out " + ckpt + " --log " + box.path("c.csv"));
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("MLP 256→16→16"));
  CHECK_THAT(r.out, Catch::Contains("step 10/10"));
  CHECK_THAT(r.out, Catch::Contains("exact"));
  const auto file = io::read_safetensors(ckpt);
  CHECK(file.metadata.at("program") == "caption");
  CHECK(file.metadata.at("hidden") == "16");
  CHECK(file.tensors.count("decoder.weight_ih_l0") == 1);
  CHECK(file.tensors.count("init_h.weight") == 1);
  CHECK_THAT(slurp(box.path("c.csv")), Catch::Contains("val_exact"));

  const auto e = caption(box, "eval --threads 1 --scenes 5 --beam 2 --ckpt " + ckpt);
  INFO(e.err);
  REQUIRE(e.status == 0);
  CHECK_THAT(e.out, Catch::Contains("5 scenes per split, beam 2"));
  CHECK_THAT(e.out, Catch::Matches("(.|\n)*seen +exact +[0-9.]+ %  per word +[0-9.]+ %(.|\n)*"));
  CHECK_THAT(e.out, Catch::Contains("unseen"));

  const auto s = caption(box, "scenes --count 3 --held-out --out " + box.path("pgm"));
  INFO(s.err);
  REQUIRE(s.status == 0);
  REQUIRE(lines_of(s.out) == 3);
  CHECK_THAT(slurp(box.path("pgm/scene000.pgm")), Catch::StartsWith("P2\n16 16\n255\n"));

  const auto p = caption(box, "predict --threads 1 --ckpt " + ckpt, s.out);
  INFO(p.err);
  REQUIRE(p.status == 0);
  CHECK(lines_of(p.out) == 3 * 17);  // 16 rows of art beside the path and caption, a blank line
  CHECK_THAT(p.out, Catch::Contains(box.path("pgm/scene000.pgm")));
  const auto plain = caption(box, "predict --no-art --beam 3 --ckpt " + ckpt, s.out);
  REQUIRE(plain.status == 0);
  CHECK(lines_of(plain.out) == 3);
}

TEST_CASE("caption resumes bit for bit: 10 steps + 10 resumed = 20 steps", "[cli]") {
  Sandbox box;
  const std::string whole = box.path("whole.safetensors"), part = box.path("part.safetensors");
  REQUIRE(caption(box, "train " + kTiny + " --steps 20 --out " + whole).status == 0);
  REQUIRE(caption(box, "train " + kTiny + " --steps 10 --out " + part).status == 0);
  const auto after10 = checkpoint_bytes(part);
  const auto r = caption(box, "train " + kTiny + " --steps 20 --resume " + part + " --out " + part);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(checkpoint_bytes(part) != after10);
  CHECK(checkpoint_bytes(part) == checkpoint_bytes(whole));
  CHECK(io::read_safetensors(part).metadata.at("step") == "20");
  const std::string part_bits = slurp(part);
  require_one_line_error(
      caption(box, "train " + kTiny + " --steps 30 --seed 2 --resume " + part + " --out " + part),
      "was made with seed 1; this run uses 2");
  CHECK(slurp(part) == part_bits);
}

TEST_CASE("caption predict marks each bad image in its place and exits 2", "[cli][errors]") {
  Sandbox box;
  const std::string ckpt = box.path("c.safetensors");
  REQUIRE(caption(box, "train " + kTiny + " --steps 2 --out " + ckpt).status == 0);
  REQUIRE(caption(box, "scenes --count 1 --out " + box.path("pgm")).status == 0);
  const std::string good = box.path("pgm/scene000.pgm");
  const std::string malformed = box.write("bad.pgm", "P2\n16 16\n255\n1 2 x\n");
  const std::string binary = box.write("p5.pgm", "P5\n16 16\n255\n");
  std::string small = "P2\n8 8\n255\n";
  for (int i = 0; i < 64; ++i) small += "0 ";
  const std::string eight = box.write("small.pgm", small);
  const auto p = caption(box, "predict --no-art --ckpt " + ckpt,
                         good + "\n" + malformed + "\n" + box.path("missing.pgm") + "\n\n" + eight +
                             "\n" + binary + "\n" + box.path("pgm") + "\n" + good + "\n");
  INFO(p.out << p.err);
  CHECK(p.status == 2);
  REQUIRE(lines_of(p.out) == 8);
  CHECK_THAT(p.out, Catch::Matches("[a-z ]+\n"
                                   "error: pgm .*bad\\.pgm.*\n"
                                   "error: '.*missing\\.pgm': no such file\n"
                                   "error: an empty line: expected a PGM file's path\n"
                                   "error: the image is 8×8; the captioner reads 16×16 scenes\n"
                                   "error: pgm .*p5\\.pgm.*magic.*\n"
                                   "error: '.*pgm' is a folder, not a PGM file\n"
                                   "[a-z ]+\n"));
  CHECK(lines_of(p.err) == 1);
  CHECK_THAT(p.err, Catch::Contains("6 of 8 lines could not be captioned"));
}

TEST_CASE("caption refuses a bad checkpoint or command in one line", "[cli][errors]") {
  Sandbox box;
  io::SafetensorsFile other;
  other.metadata = {{"program", "classify"}};
  io::write_safetensors(box.path("other.safetensors"), other);
  require_one_line_error(caption(box, "predict --ckpt " + box.path("other.safetensors"), "x.pgm\n"),
                         "is not a caption checkpoint");
  require_one_line_error(caption(box, "eval --ckpt " + box.path("other.safetensors")),
                         "is not a caption checkpoint");
  require_one_line_error(caption(box, "predict --ckpt " + box.path("none.safetensors")),
                         "none.safetensors");
  require_one_line_error(caption(box, "caption --ckpt x"), "unknown command 'caption'");
  require_one_line_error(caption(box, "train --steps 0 --out " + box.path("c.safetensors")),
                         "--steps");
  // CLI11 reads "-1" into an unsigned option as 2^64 − 1: a Linear layer of that width.
  require_one_line_error(caption(box, "train --encoder -1 --out " + box.path("c.safetensors")),
                         "--encoder");
  require_one_line_error(caption(box, "train --steps 1 --out " + box.path("no/dir/c.safetensors")),
                         "no/dir");
  CHECK(!std::filesystem::exists(box.path("c.safetensors")));
  for (const char* command : {"train", "eval", "predict", "scenes"}) {
    const auto h = caption(box, std::string(command) + " --help");
    INFO(command);
    CHECK(h.status == 0);
    CHECK_THAT(h.out, Catch::Contains("--"));
  }
  CHECK_THAT(caption(box, "predict --help").out, Catch::Contains("P2"));
}
