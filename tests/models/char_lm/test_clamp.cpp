// Clamping cells while sampling: the form of --clamp, its checks, the value held at every step,
// and samples without a clamp unchanged.
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

TEST_CASE("a clamped cell holds its value at every step of a sample", "[clamp]") {
  for (const std::string cell : {"lstm", "gru"}) {
    INFO(cell);
    CharLM<float> model(config(cell), 3);
    const SampleOptions options{.prime = "ab", .length = 50, .temperature = 1.0, .seed = 4};
    std::vector<CellClamp> clamps{parse_clamp("1:5=0.75"), parse_clamp("0:0=-1")};
    if (cell == "lstm") clamps.push_back(parse_clamp("1:5:c=2"));
    std::size_t steps = 0, held = 0;
    const std::string clamped =
        sample(model, options, {}, clamping_hook(clamps, [&](GenerationStep<float>& step) {
                 ++steps;
                 const bool h_held = step.state.layer(1)[0].value()(0, 5) == 0.75f &&
                                     step.state.layer(0)[0].value()(0, 0) == -1.0f;
                 const bool c_held = cell != "lstm" || step.state.layer(1)[1].value()(0, 5) == 2.0f;
                 held += h_held && c_held;
               }));
    CHECK(steps == 2 + 50);
    CHECK(held == steps);
    CHECK(clamped != sample(model, options));  // what the cells hold changes what follows
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
