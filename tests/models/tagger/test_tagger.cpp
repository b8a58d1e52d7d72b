// The tagger model: padding does not change the real steps' logits (both cells, uni- and
// bidirectional), the whole model and its masked loss pass a float64 gradient check, padded
// steps do not count in the loss, code points take their first byte's lexer tag, predict_tags
// covers a text longer than one window, and the metadata round-trips and names its program.
#include <catch2/catch.hpp>

#include "models/tagger/evaluate.hpp"
#include "models/tagger/tagger.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::tagger;
using tasks::CppTag;

namespace {

TaggerConfig tiny(const std::string& cell, bool bidirectional) {
  TaggerConfig c;
  c.cell = cell, c.embed = 3, c.hidden = 4, c.bidirectional = bidirectional;
  c.vocabulary = Vocabulary(U"abcd");
  return c;
}

IndexArray ids(std::size_t rows, std::size_t cols) {
  IndexArray a = IndexArray::from_shape({rows, cols});
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::int64_t>(i * 3 % 5);
  return a;
}

IndexArray tags(std::size_t rows, std::size_t cols) {
  IndexArray a = IndexArray::from_shape({rows, cols});
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::int64_t>(i * 7 % 5);
  return a;
}

}  // namespace

TEST_CASE("padding does not change the logits of a row's real steps", "[tagger]") {
  for (const std::string cell : {"lstm", "gru"})
    for (const bool bidirectional : {false, true}) {
      INFO(cell << (bidirectional ? " bidirectional" : ""));
      Tagger<double> model(tiny(cell, bidirectional), 5);
      NoGrad no_grad;
      IndexArray batch = ids(2, 6);
      for (std::size_t t = 3; t < 6; ++t) batch(0, t) = 4;  // padding: any id
      IndexArray alone = IndexArray::from_shape({1, 3});
      for (std::size_t t = 0; t < 3; ++t) alone(0, t) = batch(0, t);
      const Array<double> both = model.forward(batch, {3, 6}).value();  // [2, 6, 5]
      const Array<double> single = model.forward(alone).value();        // [1, 3, 5]
      REQUIRE(both.shape()[2] == tasks::kCppTagCount);
      for (std::size_t t = 0; t < 3; ++t)
        for (std::size_t k = 0; k < tasks::kCppTagCount; ++k)
          CHECK(both(0, t, k) == Approx(single(0, t, k)).epsilon(1e-12));
    }
}

TEST_CASE("the loss counts only the valid steps", "[tagger]") {
  Tagger<double> model(tiny("gru", true), 2);
  NoGrad no_grad;
  IndexArray batch = ids(2, 6), truth = tags(2, 6);
  const Var<double> logits = model.forward(batch, {3, 6});
  const double masked = Tagger<double>::loss(logits, truth, {3, 6}).value()();
  for (std::size_t t = 3; t < 6; ++t) truth(0, t) = (truth(0, t) + 1) % 5;  // other padded tags
  CHECK(Tagger<double>::loss(logits, truth, {3, 6}).value()() == Approx(masked).epsilon(1e-14));
  CHECK(Tagger<double>::loss(logits, truth).value()() != Approx(masked));
}

TEST_CASE("gradcheck: the tagger and its masked loss", "[tagger][gradcheck]") {
  for (const std::string cell : {"lstm", "gru"})
    for (const bool bidirectional : {false, true}) {
      INFO(cell << (bidirectional ? " bidirectional" : ""));
      Tagger<double> model(tiny(cell, bidirectional), 3);
      REQUIRE_GRADCHECK(
          [&](const std::vector<Var<double>>&) {
            return reshape(
                Tagger<double>::loss(model.forward(ids(3, 5), {5, 2, 4}), tags(3, 5), {5, 2, 4}),
                {1});
          },
          std::vector<Array<double>>{}, model.parameters());
    }
}

TEST_CASE("a code point takes the lexer tag of its first byte", "[tagger]") {
  const TaggedText t = tag_text(U"x = \"\u2603\"; // \u00e9\n#if 1");
  const std::vector<CppTag> expected = {
      CppTag::Code,         CppTag::Code,         CppTag::Code,         CppTag::Code,
      CppTag::Literal,      CppTag::Literal,      CppTag::Literal,      CppTag::Code,
      CppTag::Code,         CppTag::Comment,      CppTag::Comment,      CppTag::Comment,
      CppTag::Comment,      CppTag::Code,         CppTag::Preprocessor, CppTag::Preprocessor,
      CppTag::Preprocessor, CppTag::Preprocessor, CppTag::Preprocessor};
  CHECK(t.tags == expected);
}

TEST_CASE("predict_tags tags every character of a text longer than a window", "[tagger]") {
  TaggerConfig c = tiny("gru", true);
  Tagger<float> model(c, 4);
  std::u32string text;
  for (std::size_t i = 0; i < kCore * 3 + 17; ++i) text += U"abcd?"[i % 5];
  const auto tags = predict_tags(model, text, 2);
  REQUIRE(tags.size() == text.size());
  // The same text tagged one window at a time gives the same tags.
  CHECK(predict_tags(model, text, 1) == tags);
}

TEST_CASE("a tagger's metadata round-trips and names its program", "[tagger]") {
  const TaggerConfig c = tiny("lstm", false);
  const auto metadata = c.to_metadata();
  CHECK(metadata.at("program") == "tag");
  const TaggerConfig back = TaggerConfig::from_metadata(metadata);
  CHECK(back.cell == "lstm");
  CHECK(!back.bidirectional);
  CHECK(back.vocabulary.symbols() == c.vocabulary.symbols());
  auto other = metadata;
  other["program"] = "classify";
  CHECK_THROWS_WITH(TaggerConfig::from_metadata(other),
                    Catch::Contains("its metadata names program 'classify', not 'tag'"));
  auto broken = metadata;
  broken["hidden"] = "-4";
  CHECK_THROWS_WITH(TaggerConfig::from_metadata(broken),
                    Catch::Contains("'hidden' = '-4' is not a whole number"));
}
