#include <catch2/catch.hpp>
#include <string>

#include "framework/errors.hpp"
#include "models/image/ascii_art.hpp"
#include "models/image/pgm.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
using unroll::testing::ScratchDir;

TEST_CASE("pgm: P2 with comments reads; writing and reading give the image back", "[image]") {
  const GrayImage image = parse_pgm(
      "P2\n# made by hand\n3 2 # width height\n255\n0 128 255\n"
      "7\n8 9#last\n",
      "hand");
  CHECK(image.width == 3);
  CHECK(image.height == 2);
  CHECK(image.maxval == 255);
  CHECK(image.pixels == std::vector<std::uint16_t>{0, 128, 255, 7, 8, 9});
  CHECK(image.at(1, 2) == 9);
  CHECK(to_pgm(image) == "P2\n3 2\n255\n0 128 255\n7 8 9\n");
  CHECK(parse_pgm(to_pgm(image), "again") == image);

  // A wide image with a large maxval: lines wrapped to at most 70 characters.
  GrayImage wide = GrayImage::blank(40, 3, 65535);
  for (std::size_t i = 0; i < wide.pixels.size(); ++i)
    wide.pixels[i] = static_cast<std::uint16_t>(i * 1637 % 65536);
  const std::string text = to_pgm(wide);
  std::size_t longest = 0, start = 0;
  for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    longest = std::max(longest, end - start);
  CHECK(longest <= 70);
  const ScratchDir scratch;
  write_pgm(scratch.path("wide.pgm"), wide);
  CHECK(read_pgm(scratch.path("wide.pgm")) == wide);
  CHECK_THROWS_WITH(read_pgm(scratch.path("missing.pgm")), Catch::Contains("missing.pgm"));
}

TEST_CASE("pgm: malformed files are errors naming the line and the field", "[image][errors]") {
  const std::pair<std::string, std::string> cases[] = {
      {"P5\n1 1\n255\n0\n", "line 1: magic 'P5' is not 'P2'"},
      {"P3\n1 1\n255\n0 0 0\n", "magic 'P3'"},
      {" P2\n1 1\n255\n0\n", "magic 'P2' is not 'P2'"},  // the magic is the first two bytes
      {"P21 1\n255\n0\n", "magic 'P21'"},
      {"P2\n0 4\n255\n", "line 2: width 0 is not in 1..16777216"},
      {"P2\n4 -1\n255\n", "line 2: height '-1' is not a decimal number"},
      {"P2\n4096 8192\n255\n", "size 4096×8192 is past 16777216 pixels"},
      {"P2\n1 1\n0\n0\n", "line 3: maxval 0 is not in 1..65535"},
      {"P2\n1 1\n70000\n0\n", "maxval 70000 is not in 1..65535"},
      {"P2\n2 2\n15\n0 1\n2 16\n", "line 5: pixel (row 1, column 1) 16 is not in 0..15"},
      {"P2\n2 2\n15\n0 1\n2\n",
       "line 6: truncated: the text ends before the pixel (row 1, "
       "column 1)"},
      {"P2\n2\n", "truncated: the text ends before the height"},
      {"P2\n1 1\n255\n0 x\n", "line 4: 'x' after the last of 1 pixel values"},
      {"P2\n1 1\n255\n1.5\n", "pixel (row 0, column 0) '1.5' is not a decimal number"},
      {"", "magic '' is not 'P2'"},
  };
  for (const auto& [text, message] : cases) {
    INFO(text);
    CHECK_THROWS_AS(parse_pgm(text, "'x.pgm'"), ValueError);
    CHECK_THROWS_WITH(parse_pgm(text, "'x.pgm'"),
                      Catch::Contains("pgm 'x.pgm'") && Catch::Contains(message));
  }
}

TEST_CASE("ascii art: two characters per pixel on a ten-step ramp; blocks side by side",
          "[image]") {
  GrayImage image = GrayImage::blank(3, 2, 9);
  image.pixels = {0, 1, 9, 4, 5, 8};
  CHECK(ascii_art(image) == "  ..@@\n==++%%\n");
  image.maxval = 255;
  image.pixels = {0, 14, 15, 128, 255, 241};  // 9 · 14 / 255 rounds to 0, 9 · 15 / 255 to 1
  CHECK(ascii_art(image) == "    ..\n++@@@@\n");
  CHECK(beside("ab\nc\n", "x\ny\nz", 1) == "ab x\nc  y\n   z\n");
  CHECK(beside("가\n", "x") == "가  x\n");
}
