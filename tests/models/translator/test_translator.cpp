// The translator: a bidirectional Seq2Seq encoder passes a float64 gradient check and starts the
// decoder from both directions' states; the beam adapter gathers decoder states along parents,
// and beam 1 decodes what greedy does through the model; the config round-trips its metadata;
// held-out days never reach training.
#include <catch2/catch.hpp>

#include "framework/ops/nn.hpp"
#include "framework/ops/shape.hpp"
#include "models/text/utf8.hpp"
#include "models/translator/data.hpp"
#include "models/translator/decode.hpp"
#include "models/translator/translator.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::translator;
using unroll::testing::all_close;

namespace {

IndexArray ids(std::size_t rows, std::size_t cols, std::size_t vocab, std::size_t salt) {
  IndexArray a = IndexArray::from_shape({rows, cols});
  for (std::size_t i = 0; i < a.size(); ++i)
    a.data()[i] = static_cast<std::int64_t>((i * 5 + salt) % vocab);
  return a;
}

Seq2SeqConfig tiny_bidirectional() {
  Seq2SeqConfig c;
  c.source_vocab = 7, c.target_vocab = 5, c.embed = 3, c.hidden = 4, c.bidirectional = true;
  c.attention = AttentionScore::Dot;
  return c;
}

TranslatorConfig small(const std::string& attention) {
  TranslatorConfig c;
  c.embed = 8, c.hidden = 8, c.attention = attention, c.source = source_symbols();
  return c;
}

}  // namespace

TEST_CASE("gradcheck: a bidirectional encoder with dot attention", "[translator][gradcheck]") {
  Seq2Seq<double> model(tiny_bidirectional(), 5);
  const IndexArray source = ids(2, 5, 7, 3), inputs = ids(2, 3, 5, 4), targets = ids(2, 3, 5, 0);
  REQUIRE_GRADCHECK(
      [&](const std::vector<Var<double>>&) {
        return reshape(cross_entropy(model.decode(model.encode(source, {5, 2}), inputs), targets),
                       {1});
      },
      std::vector<Array<double>>{}, model.parameters());
}

TEST_CASE("the decoder starts from both directions' final states", "[translator]") {
  Seq2Seq<double> model(tiny_bidirectional(), 5);
  NoGrad no_grad;
  const auto e = model.encode(ids(2, 5, 7, 3), {5, 2});
  REQUIRE(e.outputs.dim(2) == 4);  // 2 directions × 2 units
  REQUIRE(e.states.size() == 1);
  const Array<double> h = e.states[0][0].value(), out = e.outputs.value();
  REQUIRE(h.shape(1) == 4);
  for (std::size_t b = 0; b < 2; ++b) {
    const std::size_t last = b == 0 ? 4 : 1;
    for (std::size_t u = 0; u < 2; ++u) {
      CHECK(h(b, u) == out(b, last, u));       // forward: h after the row's last valid step
      CHECK(h(b, 2 + u) == out(b, 0, 2 + u));  // reverse: h after reading back to step 0
    }
  }
  CHECK_THROWS_WITH(Seq2Seq<float>([] {
                      auto c = tiny_bidirectional();
                      c.hidden = 5;
                      return c;
                    }()),
                    Catch::Contains("hidden 5 in two halves: it must be even"));
}

TEST_CASE("gather_state takes every layer's rows along the parents", "[translator]") {
  Seq2SeqConfig c = tiny_bidirectional();
  c.bidirectional = false, c.layers = 2;
  Seq2Seq<double> model(c, 2);
  NoGrad no_grad;
  const auto e = model.encode(ids(3, 4, 7, 1), {});
  StepState<double> state = model.start(e);
  const Array<double> before_h = state.layer(1)[0].value(), before_c = state.layer(0)[1].value();
  gather_state(state, {2, 2, 0, 1});
  const Array<double> h = state.layer(1)[0].value(), cell = state.layer(0)[1].value();
  REQUIRE(h.shape(0) == 4);
  const std::size_t parents[] = {2, 2, 0, 1};
  for (std::size_t k = 0; k < 4; ++k)
    for (std::size_t u = 0; u < 4; ++u) {
      CHECK(h(k, u) == before_h(parents[k], u));
      CHECK(cell(k, u) == before_c(parents[k], u));
    }
  CHECK_THROWS_AS(gather_state(state, {4}), IndexError);
}

TEST_CASE("beam 1 through the model decodes what greedy does", "[translator][decoding]") {
  for (const std::string attention : {"none", "additive"}) {
    INFO(attention);
    Translator<float> model(small(attention), 3);
    NoGrad no_grad;
    const std::vector<tasks::DatePair> pairs = {training_pair(1, 0), training_pair(1, 1),
                                                training_pair(1, 2)};
    const DateBatch b = make_batch(pairs, model.config());
    const auto batched = greedy_batch(model, model.encode(b.source, b.lengths), kStart, 12);
    for (std::size_t r = 0; r < pairs.size(); ++r) {
      const auto source = model.config().encode_source(decode_utf8(pairs[r].human));
      IndexArray one = IndexArray::from_shape({1, source.size()});
      std::copy(source.begin(), source.end(), one.begin());
      const auto encoded = model.encode(one, {source.size()});
      DecodeOptions o;
      o.start = kStart, o.end = kEnd, o.max_length = 12, o.beam = 1;
      const Hypothesis greedy = greedy_decode(beam_adapter(model, encoded), o);
      const auto beam = beam_search(beam_adapter(model, encoded), o);
      REQUIRE(beam.size() == 1);
      CHECK(beam[0].ids == greedy.ids);
      CHECK(beam[0].log_prob == Approx(greedy.log_prob).epsilon(1e-6));
      // the batched greedy (padded to 32 columns, three rows) up to the same end
      std::vector<std::int64_t> row(batched[r].begin(), batched[r].begin() + greedy.ids.size());
      CHECK(row == greedy.ids);
    }
  }
}

TEST_CASE("a beam of 3 gathers states: its best is at least greedy's", "[translator][decoding]") {
  Translator<float> model(small("general"), 4);
  NoGrad no_grad;
  const auto source = model.config().encode_source(U"3rd of March 2021");
  IndexArray one = IndexArray::from_shape({1, source.size()});
  std::copy(source.begin(), source.end(), one.begin());
  const auto encoded = model.encode(one, {source.size()});
  DecodeOptions o;
  o.start = kStart, o.end = kEnd, o.max_length = 12, o.beam = 3;
  const Hypothesis greedy = greedy_decode(beam_adapter(model, encoded), o);
  const auto beam = beam_search(beam_adapter(model, encoded), o);
  REQUIRE(!beam.empty());
  if (greedy.ended) CHECK(beam[0].log_prob >= greedy.log_prob - 1e-5);
  for (std::size_t i = 1; i < beam.size(); ++i) CHECK(beam[i - 1].log_prob >= beam[i].log_prob);
}

TEST_CASE("the translator's config round-trips its metadata", "[translator]") {
  TranslatorConfig c = small("dot");
  c.bidirectional = true;
  const auto m = c.to_metadata();
  CHECK(m.at("program") == "translate");
  const TranslatorConfig back = TranslatorConfig::from_metadata(m);
  CHECK(back.attention == "dot");
  CHECK(back.bidirectional);
  CHECK(back.source.symbols() == c.source.symbols());
  CHECK(back.target.symbols() == U"-0123456789");
  CHECK(back.decode_target({kStart, 4, 3, 13, kEnd, 5}) == "0-9");
  auto other = m;
  other["attention"] = "luong";
  CHECK_THROWS_WITH(
      TranslatorConfig::from_metadata(other),
      Catch::Contains("attention 'luong' is not one of none, dot, general, additive"));
  other = m;
  other["program"] = "classify";
  CHECK_THROWS_AS(TranslatorConfig::from_metadata(other), ValueError);
}

TEST_CASE("held-out days never appear in training and every format's symbols are known",
          "[translator][data]") {
  const TranslatorConfig c = small("none");
  std::size_t held = 0;
  for (std::uint64_t i = 0; i < 3000; ++i) {
    const auto p = training_pair(7, i);
    CHECK_FALSE(held_out(p.date, 7));
    CHECK_NOTHROW(c.encode_source(decode_utf8(p.human)));
  }
  for (const auto& p : held_out_pairs(7, 300)) held += held_out(p.date, 7);
  CHECK(held == 300);
  std::size_t days = 0, out = 0;
  for (std::int64_t d = tasks::days_from_civil({1900, 1, 1});
       d <= tasks::days_from_civil({2099, 12, 31}); ++d, ++days)
    out += held_out(tasks::civil_from_days(d), 7);
  CHECK(out > days / 12);
  CHECK(out < days / 8);
  const DateBatch b = make_batch({training_pair(7, 0)}, c);
  CHECK(b.source.shape(1) == kMaxSource);
  CHECK(b.inputs(0, 0) == kStart);
  CHECK(b.targets(0, kTargetSteps - 1) == kEnd);
  CHECK(b.inputs(0, 1) == b.targets(0, 0));
}
