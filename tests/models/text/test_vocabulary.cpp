#include <catch2/catch.hpp>

#include "framework/errors.hpp"
#include "models/text/vocabulary.hpp"

using namespace unroll;

TEST_CASE("a vocabulary is the text's distinct code points, sorted", "[text]") {
  const auto v = Vocabulary::from_text(U"hello 세계");
  CHECK(v.symbols() == std::u32string{U' ', U'e', U'h', U'l', U'o', U'계', U'세'});
  CHECK(v.id(U'l') == 3);
  const auto ids = v.encode(U"세계 hello", "test");
  CHECK(v.decode(ids) == "세계 hello");
}

TEST_CASE("a vocabulary round-trips through the checkpoint's JSON array", "[text]") {
  const auto v = Vocabulary::from_text(U"ab\"\\\n한");
  const auto back = Vocabulary::from_json(v.to_json());
  CHECK(back.symbols() == v.symbols());
  CHECK(Vocabulary::from_json(R"(["z", "a"])").id(U'a') == 1);  // id order is the array's
}

TEST_CASE("vocabulary errors say what is wrong and what to change", "[text][errors]") {
  const auto v = Vocabulary::from_text(U"abc");
  CHECK_THROWS_AS(v.encode(U"abd", "eval"), IndexError);
  CHECK_THROWS_WITH(
      v.encode(U"abd", "eval"),
      Catch::Contains("eval: symbol 'd' (U+0064) at character 2 is not in the vocabulary of 3"));
  CHECK_THROWS_AS(v.symbol(3), IndexError);
  CHECK_THROWS_AS(Vocabulary::from_text(U""), ValueError);
  CHECK_THROWS_AS(Vocabulary(U"aba"), ValueError);
  CHECK_THROWS_AS(Vocabulary::from_json("{"), ValueError);
  CHECK_THROWS_AS(Vocabulary::from_json(R"(["ab"])"), ValueError);
  CHECK_THROWS_AS(Vocabulary::from_json(R"([1])"), ValueError);
  CHECK_THROWS_AS(Vocabulary::from_json(R"({"a": 1})"), ValueError);
}
