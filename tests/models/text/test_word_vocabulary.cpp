#include <catch2/catch.hpp>

#include "framework/errors.hpp"
#include "models/text/word_vocabulary.hpp"

using namespace unroll;

TEST_CASE("word vocabulary: reserved ids, encode and decode", "[text]") {
  const WordVocabulary v({"a", "cat", "sat"});
  CHECK(v.size() == 6);
  CHECK(v.word(0) == "<pad>");
  CHECK(v.id("<start>") == WordVocabulary::kStart);
  CHECK(v.id("<end>") == WordVocabulary::kEnd);
  CHECK(v.id("cat") == 4);
  CHECK(v.encode("a cat sat") == std::vector<std::int64_t>{3, 4, 5});
  CHECK(v.decode({1, 3, 4, 0, 5, 2, 4}) == "a cat sat");  // skips <start> <pad>, stops at <end>
  CHECK_THROWS_WITH(v.encode("a dog sat"), Catch::Contains("word 1 'dog'"));
  CHECK_THROWS_AS(v.encode("a  cat"), IndexError);  // an empty word between two spaces
  CHECK_THROWS_AS(v.word(6), IndexError);
  CHECK_THROWS_AS(v.id("dog"), IndexError);
  CHECK_THROWS_WITH(WordVocabulary({"a", "a"}), Catch::Contains("'a' is a duplicate"));
  CHECK_THROWS_WITH(WordVocabulary({"<end>"}), Catch::Contains("'<end>'"));
  CHECK_THROWS_WITH(WordVocabulary({"two words"}), Catch::Contains("has a space"));
}
