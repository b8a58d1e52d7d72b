// Clamping cells while sampling: the form of --clamp, its checks, every step reading the clamped
// value, and samples without a clamp unchanged.
#include <catch2/catch.hpp>

#include "models/char_lm/clamp.hpp"

using namespace unroll;

namespace {

CharLMConfig config(const std::string& cell) {
  CharLMConfig c;
  c.cell = cell;
  c.layers = 2;
  c.hidden = 12;
  c.embed = 6;
  c.vocabulary = Vocabulary::from_text(U"abcdefgh \n\"");
  return c;
}

}  // namespace

TEST_CASE("a clamp reads LAYER:CELL=VALUE and LAYER:CELL:c=VALUE", "[clamp]") {
  const CellClamp h = parse_clamp("1:17=0.9");
  CHECK(h.layer == 1);
  CHECK(h.cell == 17);
  CHECK(h.part == 0);
  CHECK(h.value == 0.9);
  const CellClamp c = parse_clamp("0:3:c=-2.5");
  CHECK(c.part == 1);
  CHECK(c.value == -2.5);
  CHECK(describe(c) == "0:3:c=-2.5");
  CHECK(parse_clamp("0:3:h=1e-1").value == 0.1);
  for (const char* bad :
       {"1:17", "1=0.5", "a:1=0", "1:2:x=0", "1:2=", "1:2=nan", "1:2=inf", "1:2=0.5x", "-1:2=0"})
    CHECK_THROWS_AS(parse_clamp(bad), ValueError);
  CHECK_THROWS_WITH(parse_clamp("1:17"),
                    Catch::Contains("clamp '1:17': expected LAYER:CELL=VALUE"));
}

TEST_CASE("a clamp must name a layer, a cell and a part the model has", "[clamp]") {
  CHECK_NOTHROW(check_clamps({parse_clamp("1:11:c=1")}, config("lstm")));
  CHECK_THROWS_WITH(check_clamps({parse_clamp("2:0=1")}, config("lstm")),
                    Catch::Contains("layer 2 does not exist; the model has 2 (0 to 1)"));
  CHECK_THROWS_WITH(check_clamps({parse_clamp("0:12=1")}, config("lstm")),
                    Catch::Contains("cell 12 does not exist; layers have 12 (0 to 11)"));
  CHECK_THROWS_WITH(check_clamps({parse_clamp("0:1:c=1")}, config("gru")),
                    Catch::Contains("a gru has no cell state c"));
}

TEST_CASE("the step after a clamp reads the clamped value, and the text changes", "[clamp]") {
  for (const std::string cell : {"lstm", "gru"}) {
    INFO(cell);
    CharLM<float> model(config(cell), 3);
    const SampleOptions options{.prime = "ab", .length = 30, .temperature = 1.0, .seed = 4};
    std::vector<CellClamp> clamps{parse_clamp("1:5=0.75"), parse_clamp("0:0=-1")};
    if (cell == "lstm") clamps.push_back(parse_clamp("1:5:c=2"));
    const GenerationHook<float> clamp = clamping_hook(clamps);
    // Every step's states as the model left them, and as the clamp left them; the symbols read.
    std::vector<StateList<float>> computed, clamped;
    std::vector<std::int64_t> symbols;
    const GenerationHook<float> record = [&](GenerationStep<float>& step) {
      computed.push_back(step.state.states());
      clamp(step);
      clamped.push_back(step.state.states());
      symbols.push_back(step.symbol);
    };
    const std::string text = sample(model, options, {}, record);
    REQUIRE(symbols.size() == 2 + 30);
    NoGrad no_grad;
    for (std::size_t t = 1; t < symbols.size(); ++t) {
      INFO("step " << t);
      CHECK(clamped[t][1][0].value()(0, 5) == 0.75f);
      CHECK(clamped[t][0][0].value()(0, 0) == -1.0f);
      // One step of the model from the clamped states gives what the sample computed.
      IndexArray ids = IndexArray::from_shape({1, 1});
      ids(0, 0) = symbols[t];
      const SequenceOutput<float> next = model.forward(ids, clamped[t - 1]);
      for (std::size_t l = 0; l < 2; ++l)
        for (std::size_t p = 0; p < (cell == "lstm" ? 2u : 1u); ++p) {
          const Array<float> want = next.final_states[l][p].value();
          const Array<float> got = computed[t][l][p].value();
          for (std::size_t k = 0; k < want.size(); ++k)
            REQUIRE(got.data()[k] == Approx(want.data()[k]).margin(1e-6));
        }
    }
    CHECK(text != sample(model, options));  // what the cells hold changes what follows
  }
}

TEST_CASE("without a clamp a sample is what it was before clamps existed", "[clamp]") {
  CharLM<float> model(config("lstm"), 3);
  const SampleOptions options{.prime = "ab", .length = 40, .temperature = 1.0, .seed = 11};
  // What this model and seed sampled before clamps existed (the same code path, no hook).
  const std::string before = "cdbhfg \"\n gf bggbfhagad gebff\"bd  ccceaf";
  CHECK(sample(model, options) == before);
  CHECK(sample(model, options, {}, clamping_hook({})) == before);
}
