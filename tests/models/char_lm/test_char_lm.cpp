// CharLM one symbol at a time, the generation hook, and the skip modes of its checkpoints.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <xtensor/xview.hpp>

#include "models/char_lm/char_lm.hpp"
#include "models/char_lm/evaluate.hpp"
#include "models/char_lm/generate.hpp"
#include "models/text/utf8.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::all_close;

namespace {

CharLMConfig small_config(const std::string& cell) {
  CharLMConfig c;
  c.cell = cell;
  c.layers = 2;
  c.hidden = 12;
  c.embed = 6;
  c.residual = true;
  c.vocabulary = Vocabulary::from_text(U"abcdefgh \n");
  return c;
}

}  // namespace

TEST_CASE("reading one symbol at a time gives forward's logits", "[charlm]") {
  for (const std::string cell : {"lstm", "gru", "rnn"}) {
    INFO(cell);
    CharLM<double> model(small_config(cell), 3);
    model.eval();
    IndexArray ids = IndexArray::from_shape({2, 7});
    for (std::size_t i = 0; i < ids.size(); ++i) ids.data()[i] = static_cast<std::int64_t>(i % 10);
    NoGrad no_grad;
    const Array<double> whole = model.forward(ids).output.value();  // [2, 7, V]
    StepState<double> state = model.start(2);
    for (std::size_t t = 0; t < 7; ++t) {
      IndexArray column = IndexArray::from_shape({2});
      for (std::size_t b = 0; b < 2; ++b) column(b) = ids(b, t);
      model.read(column, state);
      CHECK(all_close(model.predict(state).value(),
                      Array<double>(xt::view(whole, xt::all(), t, xt::all())), 1e-12));
    }
  }
}

TEST_CASE("the generation hook sees every step and steers the next one", "[charlm][sample]") {
  CharLM<float> model(small_config("lstm"), 4);
  const SampleOptions options{.prime = "abc", .length = 40, .temperature = 1.0, .seed = 5};
  const std::string free = sample(model, options);
  std::vector<std::int64_t> seen;
  std::size_t primes = 0, expected_step = 0;
  const std::string watched = sample(model, options, {}, GenerationHook<float>([&](auto& step) {
                                       CHECK(step.step == expected_step++);
                                       primes += step.prime;
                                       seen.push_back(step.symbol);
                                       CHECK(step.state.layers() == 2);
                                     }));
  CHECK(watched == free);  // a hook that changes nothing changes nothing
  CHECK(primes == 3);
  REQUIRE(seen.size() == 3 + 40);
  const auto ids = model.config().vocabulary.encode(decode_utf8("abc" + free), "test");
  CHECK(std::vector<std::int64_t>(seen.begin(), seen.begin() + 3 + 39) ==
        std::vector<std::int64_t>(ids.begin(), ids.begin() + 3 + 39));

  // Clamping cell 5 of the top layer's h at every step: the state the hook leaves is what the
  // next step reads, so the sample changes, and each step sees its own unclamped value first.
  std::size_t unclamped = 0;
  const std::string clamped = sample(model, options, {}, GenerationHook<float>([&](auto& step) {
                                       Array<float> h = step.state.layer(1)[0].value();
                                       unclamped += h(0, 5) != 3.0f;
                                       h(0, 5) = 3.0f;
                                       step.state.layer(1)[0] = Var<float>(h);
                                     }));
  CHECK(clamped != free);
  CHECK(unclamped == 3 + 40);
}

TEST_CASE("a checkpoint without skip_mode keeps its accumulating skip", "[charlm][checkpoint]") {
  auto config = small_config("gru");
  config.temporal_skip = 2;
  auto metadata = config.to_metadata();
  CHECK(metadata.at("skip_mode") == "output");
  CHECK(CharLMConfig::from_metadata(metadata).skip_mode == "output");
  metadata.erase("skip_mode");  // as written before skip modes existed
  CHECK(CharLMConfig::from_metadata(metadata).skip_mode == "accumulate");
  metadata["skip_mode"] = "sideways";
  CHECK_THROWS_WITH(CharLMConfig::from_metadata(metadata),
                    Catch::Contains("skip mode 'sideways' is not one of output, dilated"));
}

// "0.25\x1a…" loaded as dropout 0.25 (found by tests/fuzz/fuzz_metadata.cpp), " -2" as 2^64 − 2
// layers (found reading the parser; the fuzzer's checks refuse it too).
TEST_CASE("checkpoint metadata numbers are the whole value, sizes digits only",
          "[charlm][checkpoint]") {
  const auto good = small_config("lstm").to_metadata();
  CHECK(CharLMConfig::from_metadata(good).to_metadata() == good);
  const std::pair<std::string, std::string> bad[] = {
      {"dropout", "0.25\x1a"}, {"dropout", "0.25 "},
      {"dropout", ""},         {"layers", " -2"},
      {"layers", "+2"},        {"hidden", " 12"},
      {"embed", "6 "},         {"embed", "0x6"},
      {"temporal_skip", "-0"}, {"hidden", "18446744073709551616"},
  };
  for (const auto& [key, value] : bad) {
    INFO(key << " = '" << value << "'");
    auto metadata = good;
    metadata[key] = value;
    CHECK_THROWS_WITH(CharLMConfig::from_metadata(metadata),
                      Catch::Contains("checkpoint metadata: '" + key + "' = '" + value + "'"));
  }
}

// A tag checkpoint has charlm's keys and tensor names: without this check charlm read it as its
// own and failed later on a tensor's shape.
TEST_CASE("checkpoint metadata naming another program is refused", "[charlm][checkpoint]") {
  auto metadata = small_config("gru").to_metadata();
  metadata["program"] = "tag";
  CHECK_THROWS_WITH(CharLMConfig::from_metadata(metadata),
                    Catch::Contains("names program 'tag', not charlm"));
}

// steps + 1 wrapped to 0 for steps = 2^64 − 1: no window was scored and the loss was 0 / 0.
TEST_CASE("evaluate refuses a window longer than the text, however long", "[charlm][eval]") {
  CharLM<float> model(small_config("gru"), 6);
  const std::vector<std::int64_t> ids(20, 1);
  CHECK_THROWS_WITH(evaluate(model, ids, std::numeric_limits<std::size_t>::max()),
                    Catch::Contains("at least 18446744073709551616 (sequence length + 1)"));
  CHECK_THROWS_AS(evaluate(model, ids, 20), ValueError);
  CHECK(std::isfinite(evaluate(model, ids, 19).loss_nats));
}

TEST_CASE("a non-finite state stops sampling with one clear error", "[charlm][sample]") {
  CharLM<float> model(small_config("gru"), 6);
  model.train();
  const SampleOptions options{.prime = "ab", .length = 10, .temperature = 1.0, .seed = 7};
  CHECK_THROWS_WITH(sample(model, options, {}, GenerationHook<float>([](auto& step) {
                             Array<float> h = step.state.layer(1)[0].value();
                             h.fill(std::numeric_limits<float>::quiet_NaN());
                             step.state.layer(1)[0] = Var<float>(h);
                           })),
                    Catch::Contains("sample: the logit of symbol 0 is nan"));
  CHECK(model.is_training());  // the mode it had, though the sample ended in an error
}

TEST_CASE("the unigram baseline scores a text by the training text's add-one frequencies",
          "[charlm][baseline]") {
  // Four symbols, each 100 times: p = 101 / 404 = 1/4 exactly, 2 bits each.
  std::vector<std::int64_t> training;
  for (int i = 0; i < 400; ++i) training.push_back(i % 4);
  const Evaluation uniform = unigram_baseline(training, {0, 1, 2, 3, 3}, 4);
  CHECK(uniform.bits_per_char == Approx(2.0).epsilon(1e-12));
  CHECK(uniform.chars == 5);
  // A symbol never seen in training costs log2(N + V) = log2(405) bits, not infinity.
  const Evaluation unseen = unigram_baseline(training, {4}, 5);
  CHECK(unseen.bits_per_char == Approx(std::log2(405.0)).epsilon(1e-12));
  CHECK(unseen.loss_nats == Approx(std::log(405.0)).epsilon(1e-12));
  CHECK_THROWS_WITH(unigram_baseline(training, {}, 4), Catch::Contains("no text"));
  CHECK_THROWS_WITH(unigram_baseline(training, {7}, 4), Catch::Contains("symbol id 7"));
  CHECK_THROWS_AS(unigram_baseline(training, {0}, 0), ValueError);
}

TEST_CASE("evaluation and sampling switch dropout off and give the mode back",
          "[charlm][dropout]") {
  auto config = small_config("lstm");
  config.dropout = 0.5;  // between the two layers: in training mode it changes every logit
  CharLM<double> model(config, 8);
  const auto ids = config.vocabulary.encode(decode_utf8("abc defg\nhab cdef gh\nabcd efgh \n"), "");
  const SampleOptions options{.prime = "ab", .length = 40, .temperature = 1.0, .seed = 9};
  model.eval();
  const Evaluation eval_loss = evaluate(model, ids, 8);
  const std::string eval_text = sample(model, options);
  CHECK(evaluate(model, ids, 8).loss_nats == eval_loss.loss_nats);  // eval mode draws no masks
  // From training mode: the same computation, in eval mode, and training mode again after.
  model.train();
  CHECK(evaluate(model, ids, 8).loss_nats == eval_loss.loss_nats);
  CHECK(model.is_training());
  CHECK(sample(model, options) == eval_text);
  CHECK(model.is_training());
  // Training mode does drop: a forward pass there is not the eval-mode one.
  IndexArray window = IndexArray::from_shape({1, 8});
  for (std::size_t t = 0; t < 8; ++t) window(0, t) = ids[t];
  NoGrad no_grad;
  const Array<double> dropped = model.forward(window).output.value();
  model.eval();
  CHECK_FALSE(all_close(dropped, model.forward(window).output.value(), 1e-6));
}

TEST_CASE("sampling at temperature tau draws from softmax(logits / tau)", "[charlm][sample]") {
  // Zero head weights: every step's logits are the head's bias, whatever the state.
  CharLM<double> model(small_config("gru"), 10);
  const std::size_t vocab = model.config().vocabulary.size();
  model.parameter("head.weight").mutable_value().fill(0.0);
  Array<double> logits = Array<double>::from_shape({vocab});
  for (std::size_t i = 0; i < vocab; ++i) logits(i) = 0.5 * static_cast<double>(i % 5) - 1.0;
  model.parameter("head.bias").mutable_value() = logits;
  constexpr std::size_t draws = 20000;
  for (const double tau : {0.5, 2.0}) {
    const std::string text =
        sample(model, SampleOptions{.prime = "a", .length = draws, .temperature = tau, .seed = 11});
    const auto drawn = model.config().vocabulary.encode(decode_utf8(text), "sample");
    std::vector<double> counts(vocab, 0.0);
    for (auto id : drawn) counts[static_cast<std::size_t>(id)] += 1;
    double z = 0;
    for (std::size_t i = 0; i < vocab; ++i) z += std::exp(logits(i) / tau);
    for (std::size_t i = 0; i < vocab; ++i) {
      // Each count is binomial(n, p): within 5 standard deviations (a chance of 6e-7 each to
      // fall outside). Sampling at τ = 1 instead moves some p by 43 of them (τ = 0.5) or 23 (τ =
      // 2).
      const double p = std::exp(logits(i) / tau) / z;
      const double sd = std::sqrt(p * (1 - p) / draws);
      INFO("tau " << tau << ", symbol " << i << ": p " << p << ", drawn " << counts[i] / draws);
      CHECK(std::abs(counts[i] / draws - p) <= 5 * sd);
    }
  }
}
