#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "framework/errors.hpp"
#include "models/text/corpus.hpp"
#include "models/text/utf8.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
using unroll::testing::ScratchDir;

TEST_CASE("UTF-8 decodes to code points and back, Korean included", "[text]") {
  const std::string text = "가나 a€😀";
  const auto cps = decode_utf8(text);
  CHECK(cps == std::u32string{U'가', U'나', U' ', U'a', U'€', U'😀'});
  CHECK(encode_utf8(cps) == text);
  CHECK(describe_symbol(U'가') == "'가' (U+AC00)");
  CHECK(describe_symbol(U'\n') == "U+000A");
}

TEST_CASE("invalid UTF-8 is rejected with the byte offset", "[text][errors]") {
  const std::pair<std::string, std::string> cases[] = {
      {"ab\x80", "byte 2: continuation byte"},
      {"a\xC3", "byte 1: sequence truncated"},
      {"\xE2\x82x", "byte 0: sequence cut short"},
      {"\xC0\xAF", "byte 0: byte never valid"},
      {"\xE0\x80\xAF", "byte 0: overlong"},
      {"xy\xED\xA0\x80", "byte 2: surrogate"},
      {"\xF4\x90\x80\x80", "byte 0: code point past U+10FFFF"},
      {"\xFF", "byte 0: byte never valid"},
  };
  for (const auto& [bytes, message] : cases) {
    INFO(message);
    CHECK_THROWS_AS(decode_utf8(bytes), ValueError);
    CHECK_THROWS_WITH(decode_utf8(bytes), Catch::Contains(message));
  }
}

TEST_CASE("the last fraction of the code points is validation", "[text]") {
  const auto c = split_corpus(U"0123456789", 0.3);
  CHECK(c.train == U"0123456");
  CHECK(c.validation == U"789");
  CHECK(split_corpus(U"한국어", 0.0).validation.empty());
  CHECK_THROWS_AS(split_corpus(U"abc", 1.0), ValueError);
  CHECK_THROWS_AS(split_corpus(U"abc", -0.1), ValueError);
}

TEST_CASE("reading a text file: missing, empty and invalid files are clear errors",
          "[text][errors]") {
  const ScratchDir scratch;
  const std::string dir = scratch.path("text");
  CHECK_THROWS_WITH(read_text_file(dir + ".missing"),
                    Catch::Contains("cannot read") && Catch::Contains(".missing"));
  std::ofstream(dir + ".empty").close();
  CHECK_THROWS_WITH(read_text_file(dir + ".empty"), Catch::Contains("is empty"));
  std::ofstream(dir + ".bad") << "ok\xFFno";
  CHECK_THROWS_WITH(read_text_file(dir + ".bad"), Catch::Contains("invalid UTF-8 at byte 2"));
  std::ofstream(dir + ".good") << "안녕";
  CHECK(read_text_file(dir + ".good") == U"안녕");
}
