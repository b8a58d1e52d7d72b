// Seq2Seq: decoding one step at a time is the teacher-forced pass, for every attention score;
// the whole model passes a float64 gradient check; bad shapes are refused.
#include <catch2/catch.hpp>
#include <xtensor/xview.hpp>

#include "framework/ops/nn.hpp"
#include "framework/ops/shape.hpp"
#include "models/seq2seq/seq2seq.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;

namespace {

Seq2SeqConfig small(std::optional<AttentionScore> attention) {
  Seq2SeqConfig c;
  c.source_vocab = 7, c.target_vocab = 5, c.embed = 3, c.hidden = 4;
  c.attention = attention;
  return c;
}

IndexArray ids(std::size_t rows, std::size_t cols, std::size_t vocab, std::size_t salt) {
  IndexArray a = IndexArray::from_shape({rows, cols});
  for (std::size_t i = 0; i < a.size(); ++i)
    a.data()[i] = static_cast<std::int64_t>((i * 5 + salt) % vocab);
  return a;
}

const std::optional<AttentionScore> kScores[] = {std::nullopt, AttentionScore::Dot,
                                                 AttentionScore::General, AttentionScore::Additive};

}  // namespace

TEST_CASE("stepwise decoding gives the teacher-forced logits and weights", "[seq2seq]") {
  for (const auto& score : kScores) {
    INFO("attention " << (score ? static_cast<int>(*score) : -1));
    Seq2Seq<double> model(small(score), 3);
    NoGrad no_grad;
    const auto encoded = model.encode(ids(2, 6, 7, 1), {6, 3});
    const IndexArray inputs = ids(2, 4, 5, 2);
    Var<double> weights;
    const Array<double> whole = model.decode(encoded, inputs, &weights).value();  // [2, 4, 5]
    StepState<double> state = model.start(encoded);
    for (std::size_t t = 0; t < 4; ++t) {
      IndexArray column = IndexArray::from_shape({2});
      for (std::size_t b = 0; b < 2; ++b) column(b) = inputs(b, t);
      Var<double> step_weights;
      const Var<double> logits = model.step(encoded, column, state, &step_weights);
      CHECK(all_close(logits.value(), Array<double>(xt::view(whole, xt::all(), t, xt::all())),
                      1e-12));
      if (score) {
        CHECK(all_close(step_weights.value(),
                        Array<double>(xt::view(weights.value(), xt::all(), t, xt::all())), 1e-12));
        CHECK(step_weights.value()(1, 4) == 0.0);  // past row 1's source length
      }
    }
  }
}

TEST_CASE("gradcheck: a seq2seq model with general attention", "[seq2seq][gradcheck]") {
  Seq2Seq<double> model(small(AttentionScore::General), 4);
  const IndexArray source = ids(2, 5, 7, 3), inputs = ids(2, 3, 5, 4), targets = ids(2, 3, 5, 0);
  REQUIRE_GRADCHECK(
      [&](const std::vector<Var<double>>&) {
        return reshape(cross_entropy(model.decode(model.encode(source, {5, 2}), inputs), targets),
                       {1});
      },
      std::vector<Array<double>>{}, model.parameters());
}

TEST_CASE("seq2seq refuses ids of the wrong shape", "[seq2seq][errors]") {
  Seq2Seq<float> model(small(AttentionScore::Dot));
  CHECK_THROWS_WITH(model.encode(IndexArray::from_shape({6}), {}),
                    Catch::Contains("Seq2Seq: source ids [6]: expected [B, S]"));
  const auto encoded = model.encode(ids(2, 6, 7, 1), {});
  CHECK_THROWS_WITH(model.decode(encoded, ids(3, 4, 5, 0)),
                    Catch::Contains("decoder ids [3,4]: expected [2, T]"));
  CHECK_THROWS_AS(model.encode(ids(2, 6, 7, 1), {7, 1}), ValueError);
  Seq2SeqConfig bad = small(std::nullopt);
  bad.hidden = 0;
  CHECK_THROWS_WITH(Seq2Seq<float>(bad), Catch::Contains("hidden 0"));
  tape<float>().reset();
}
