// The classifier model: a padded snippet is classified as it is alone (for every pooling, both
// cells, uni- and bidirectional), the whole model passes a float64 gradient check, unknown
// symbols read as <unk>, its metadata round-trips, and another program's metadata is refused.
#include <catch2/catch.hpp>

#include "framework/ops/nn.hpp"
#include "models/classifier/classifier.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::classifier;
using unroll::testing::all_close;

namespace {

ClassifierConfig tiny(const std::string& cell, bool bidirectional, Pooling pooling) {
  ClassifierConfig c;
  c.cell = cell, c.embed = 3, c.hidden = 4, c.bidirectional = bidirectional, c.pooling = pooling;
  c.classes = {"a", "b", "c"};
  c.vocabulary = Vocabulary(U"abcd");
  return c;
}

IndexArray ids(std::size_t rows, std::size_t cols) {
  IndexArray a = IndexArray::from_shape({rows, cols});
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = static_cast<std::int64_t>(i * 3 % 5);
  return a;
}

}  // namespace

TEST_CASE("a padded snippet gets the logits it gets alone", "[classifier]") {
  for (const std::string cell : {"lstm", "gru"})
    for (const bool bidirectional : {false, true})
      for (const Pooling p : {Pooling::Last, Pooling::Mean, Pooling::Max}) {
        INFO(cell << (bidirectional ? " bidirectional " : " ") << pooling_name(p));
        Classifier<double> model(tiny(cell, bidirectional, p), 5);
        NoGrad no_grad;
        IndexArray batch = ids(2, 6);
        for (std::size_t t = 3; t < 6; ++t) batch(0, t) = 4;  // padding: any id
        IndexArray alone = IndexArray::from_shape({1, 3});
        for (std::size_t t = 0; t < 3; ++t) alone(0, t) = batch(0, t);
        const Array<double> both = model.forward(batch, {3, 6}).value();
        const Array<double> single = model.forward(alone).value();
        for (std::size_t k = 0; k < 3; ++k)
          CHECK(both(0, k) == Approx(single(0, k)).epsilon(1e-12));
      }
}

TEST_CASE("gradcheck: the classifier, bidirectional, for every pooling",
          "[classifier][gradcheck]") {
  for (const std::string cell : {"lstm", "gru"})
    for (const Pooling p : {Pooling::Last, Pooling::Mean, Pooling::Max}) {
      INFO(cell << " " << pooling_name(p));
      Classifier<double> model(tiny(cell, true, p), 3);
      IndexArray labels = IndexArray::from_shape({3});
      labels(0) = 2, labels(1) = 0, labels(2) = 1;
      REQUIRE_GRADCHECK(
          [&](const std::vector<Var<double>>&) {
            return reshape(Classifier<double>::loss(model.forward(ids(3, 5), {5, 2, 4}), labels),
                           {1});
          },
          std::vector<Array<double>>{}, model.parameters());
    }
}

TEST_CASE("unknown symbols read as <unk>, the id after the vocabulary's", "[classifier]") {
  const ClassifierConfig c = tiny("gru", false, Pooling::Max);
  CHECK(c.encode(U"a?d") == std::vector<std::int64_t>{0, 4, 3});
  Classifier<float> model(c);
  CHECK(model.named_parameters().front().first == "embed.weight");
  CHECK(model.named_parameters().front().second.dim(0) == 5);  // 4 symbols and <unk>
}

TEST_CASE("a classifier's metadata round-trips and names its program", "[classifier]") {
  const ClassifierConfig c = tiny("lstm", true, Pooling::Last);
  const auto metadata = c.to_metadata();
  CHECK(metadata.at("program") == "classify");
  const ClassifierConfig back = ClassifierConfig::from_metadata(metadata);
  CHECK(back.cell == "lstm");
  CHECK(back.bidirectional);
  CHECK(back.pooling == Pooling::Last);
  CHECK(back.classes == c.classes);
  CHECK(back.vocabulary.symbols() == c.vocabulary.symbols());
  auto charlm = metadata;
  charlm.erase("program");
  CHECK_THROWS_WITH(ClassifierConfig::from_metadata(charlm),
                    Catch::Contains("its metadata names program 'none', not 'classify'"));
  auto broken = metadata;
  broken["classes"] = "[1, 2]";
  CHECK_THROWS_WITH(ClassifierConfig::from_metadata(broken),
                    Catch::Contains("'classes' = '[1, 2]' is not a JSON array of strings"));
  broken = metadata;
  broken["hidden"] = "-4";
  CHECK_THROWS_WITH(ClassifierConfig::from_metadata(broken),
                    Catch::Contains("'hidden' = '-4' is not a whole number"));
}
