// Recording a CharLM's states and gates over a text: the same states as reading one symbol at a
// time, the same whatever the chunking, and gates that rebuild the recorded states.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "framework/io/safetensors.hpp"
#include "models/char_lm/record.hpp"
#include "models/text/utf8.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;

namespace {

CharLMConfig config(const std::string& cell, bool residual) {
  CharLMConfig c;
  c.cell = cell;
  c.layers = 3;
  c.hidden = 10;
  c.embed = residual ? 10 : 6;  // 10: the residual applies from layer 0 on
  c.residual = residual;
  c.vocabulary = Vocabulary::from_text(U"abcdefgh \n\"");
  return c;
}

std::vector<std::int64_t> some_ids(std::size_t n, std::size_t vocab) {
  std::vector<std::int64_t> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<std::int64_t>((i * 7 + i / 5) % vocab);
  return ids;
}

// Recording options: `chunk` steps per forward call, the logits or not, these layers (empty:
// all); gates recorded.
RecordOptions options(std::size_t chunk, bool logits = false,
                      std::vector<std::size_t> layers = {}) {
  RecordOptions o;
  o.chunk = chunk, o.logits = logits, o.layers = std::move(layers);
  return o;
}

// Reads `ids` one symbol at a time (the sampling path) and checks that `rec` holds the h of every
// layer in `layers` after each, and, when it has them, the next-symbol logits.
void require_stepwise(CharLM<float>& model, const std::vector<std::int64_t>& ids,
                      const Recording& rec, const std::vector<std::size_t>& layers) {
  NoGrad no_grad;
  model.eval();
  StepState<float> state = model.start(1);
  for (std::size_t t = 0; t < ids.size(); ++t) {
    INFO("step " << t);
    IndexArray id = IndexArray::from_shape({1});
    id(0) = ids[t];
    model.read(id, state);
    for (std::size_t l : layers) {
      const Array<float>& h = state.layer(l)[0].value();
      const auto* recorded = rec.find(l, "h");
      REQUIRE(recorded);
      for (std::size_t k = 0; k < h.shape()[1]; ++k)
        CHECK(recorded->values(t, k) == Approx(h(0, k)).margin(1e-5));
    }
    if (rec.logits.size() == 0) continue;
    const Array<float> logits = model.predict(state).value();
    for (std::size_t v = 0; v < logits.size(); ++v)
      CHECK(rec.logits(t, v) == Approx(logits(0, v)).margin(1e-5));
  }
}

}  // namespace

TEST_CASE("recorded states are those of reading one symbol at a time, in any chunking",
          "[record]") {
  for (const std::string cell : {"lstm", "gru", "rnn"}) {
    INFO(cell);
    CharLM<float> model(config(cell, false), 5);
    const auto ids = some_ids(37, model.config().vocabulary.size());
    const Recording whole = record_states(model, ids, options(256, true));
    const Recording pieces = record_states(model, ids, options(5, true));
    REQUIRE(whole.series.size() == pieces.series.size());
    for (std::size_t i = 0; i < whole.series.size(); ++i)
      CHECK(xt::allclose(whole.series[i].values, pieces.series[i].values, 1e-5, 1e-6));
    CHECK(xt::allclose(whole.logits, pieces.logits, 1e-5, 1e-6));

    require_stepwise(model, ids, whole, {0, 1, 2});
  }
}

TEST_CASE("recorded LSTM gates rebuild the recorded c and h", "[record]") {
  for (bool residual : {false, true}) {
    INFO("residual " << residual);
    CharLM<float> model(config("lstm", residual), 7);
    const auto ids = some_ids(30, model.config().vocabulary.size());
    const Recording rec = record_states(model, ids, options(8));
    for (std::size_t l = 0; l < 3; ++l) {
      const auto &h = rec.find(l, "h")->values, &c = rec.find(l, "c")->values;
      const auto &i = rec.find(l, "i")->values, &f = rec.find(l, "f")->values,
                 &g = rec.find(l, "g")->values, &o = rec.find(l, "o")->values;
      for (std::size_t t = 0; t < ids.size(); ++t)
        for (std::size_t k = 0; k < 10; ++k) {
          const float before = t == 0 ? 0.0f : c(t - 1, k);
          // c_t = f ⊙ c_{t−1} + i ⊙ g,  h_t = o ⊙ tanh(c_t)
          CHECK(c(t, k) == Approx(f(t, k) * before + i(t, k) * g(t, k)).margin(1e-5));
          CHECK(h(t, k) == Approx(o(t, k) * std::tanh(c(t, k))).margin(1e-5));
          CHECK(f(t, k) > 0.0f);
          CHECK(f(t, k) < 1.0f);
        }
    }
  }
}

TEST_CASE("recorded GRU gates rebuild the recorded h", "[record]") {
  CharLM<float> model(config("gru", true), 9);
  const auto ids = some_ids(25, model.config().vocabulary.size());
  const Recording rec = record_states(model, ids, options(4, false, {2, 1}));
  CHECK(rec.find(0, "h") == nullptr);  // not asked for
  for (std::size_t l : {1, 2}) {
    const auto &h = rec.find(l, "h")->values, &z = rec.find(l, "z")->values,
               &n = rec.find(l, "n")->values;
    REQUIRE(rec.find(l, "r"));
    for (std::size_t t = 0; t < ids.size(); ++t)
      for (std::size_t k = 0; k < 10; ++k) {
        const float before = t == 0 ? 0.0f : h(t - 1, k);
        CHECK(h(t, k) == Approx((1 - z(t, k)) * n(t, k) + z(t, k) * before).margin(1e-5));
      }
  }
}

TEST_CASE("a plain RNN has no gates, and a dilated skip records states only", "[record]") {
  CharLM<float> rnn(config("rnn", false), 1);
  const Recording plain = record_states(rnn, some_ids(9, 11));
  CHECK(plain.series.size() == 3);  // h of each layer
  CHECK(plain.no_gates.empty());
  auto c = config("lstm", false);
  c.temporal_skip = 2;
  c.skip_mode = "dilated";
  CharLM<float> dilated(c, 1);
  const Recording states_only = record_states(dilated, some_ids(9, 11));
  CHECK(states_only.series.size() == 6);  // h and c of each layer
  CHECK_THAT(states_only.no_gates, Catch::Contains("dilated"));
}

TEST_CASE("recording refuses a layer or a symbol that does not exist, and an empty text",
          "[record]") {
  CharLM<float> model(config("lstm", false), 1);
  CHECK_THROWS_WITH(record_states(model, some_ids(5, 11), options(256, false, {3})),
                    Catch::Contains("layer 3 does not exist; the model has 3 (0 to 2)"));
  CHECK_THROWS_AS(record_states(model, {1, 2, 11}), IndexError);
  CHECK_THROWS_AS(record_states(model, {}), ValueError);
}

TEST_CASE("a recording file holds every series, the logits and the text", "[record]") {
  unroll::testing::ScratchDir box;
  CharLM<float> model(config("gru", false), 2);
  const std::u32string text = decode_utf8("abc \"def\"\nha");
  const auto ids = model.config().vocabulary.encode(text, "test");
  const Recording rec = record_states(model, ids, options(256, true));
  write_recording(box.path("s.safetensors"), rec, text, {{"cell", "gru"}});
  const io::SafetensorsFile file = io::read_safetensors(box.path("s.safetensors"));
  CHECK(file.tensors.size() == 3 * 4 + 1);  // h r z n per layer, logits
  CHECK(file.at("layer2.z").shape == Shape{text.size(), 10});
  CHECK(file.at("logits").shape == Shape{text.size(), 11});
  CHECK(file.metadata.at("text") == "abc \"def\"\nha");
  CHECK(file.metadata.at("cell") == "gru");
  CHECK(file.at("layer1.h").as<float>()(3, 4) == rec.find(1, "h")->values(3, 4));
}

TEST_CASE("with a temporal skip the recording is one continuous pass whatever the chunk",
          "[record]") {
  for (const std::string mode : {"output", "accumulate"}) {
    INFO(mode);
    auto c = config("gru", false);
    c.temporal_skip = 3;
    c.skip_mode = mode;
    CharLM<float> model(c, 4);
    const auto ids = some_ids(20, model.config().vocabulary.size());
    const Recording rec = record_states(model, ids, options(4));
    require_stepwise(model, ids, rec, {0, 1, 2});
  }
}
