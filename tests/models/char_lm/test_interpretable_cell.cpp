// The premise of the hidden-state lab, asserted: when one feature of a text decides the next
// character, a small LSTM trained briefly grows a cell that tracks it. Here every letter inside
// double quotes is upper case and every other one lower case, so predicting a letter's case needs
// to know whether a quote is open.
#include <catch2/catch.hpp>
#include <random>

#include "models/char_lm/cell_scores.hpp"
#include "models/char_lm/record.hpp"
#include "models/char_lm/trainer.hpp"
#include "models/text/features.hpp"

using namespace unroll;

namespace {

// Lines of lower-case words with quoted upper-case phrases of one to three words.
std::u32string quoted_text(std::size_t n, std::uint64_t seed) {
  const std::u32string words[] = {U"the", U"cat", U"sat", U"on", U"a",   U"mat", U"and",
                                  U"dog", U"ran", U"far", U"to", U"see", U"it"};
  std::mt19937_64 rng(seed);
  auto pick = [&] { return words[rng() % std::size(words)]; };
  std::u32string text;
  std::size_t line = 0;
  while (text.size() < n) {
    std::u32string piece;
    if (rng() % 4 == 0) {
      piece = U"\"";
      for (std::size_t w = 0, count = 1 + rng() % 3; w < count; ++w) {
        std::u32string word = pick();
        for (auto& c : word) c = c - U'a' + U'A';
        piece += (w ? U" " : U"") + word;
      }
      piece += U"\"";
    } else {
      piece = pick();
    }
    text += piece;
    line += piece.size() + 1;
    text += line > 60 ? U'\n' : U' ';
    if (line > 60) line = 0;
  }
  return text;
}

}  // namespace

TEST_CASE("a briefly trained LSTM has a cell that is on inside quotes", "[record][slow]") {
  const std::u32string train_text = quoted_text(20000, 1), test_text = quoted_text(4000, 2);
  CharLMConfig config;
  config.cell = "lstm";
  config.layers = 1;
  config.hidden = 16;
  config.embed = 8;
  config.vocabulary = Vocabulary::from_text(train_text + test_text);
  CharLM<float> model(config, 1);
  TrainOptions options;
  options.seq = 32;
  options.batch = 16;
  options.trainer.lr = 1e-2;
  CharLMTask task(model, config.vocabulary.encode(train_text, "training text"), {}, options);
  training::Trainer trainer(task, options.trainer);
  for (int step = 0; step < 150; ++step) trainer.step();

  const auto ids = config.vocabulary.encode(test_text, "test text");
  const Recording rec = record_states(model, ids);
  const auto scores =
      score_cells({&rec.find(0, "h")->values, &rec.find(0, "c")->values},
                  {{"double-quoted string", FeatureKind::Binary, double_quoted_string(test_text)}});
  const CellScore best = scores.at(0).top(1).at(0);
  INFO("best cell: series " << best.series << " cell " << best.cell << " AUC " << best.raw);
  CHECK(best.score >= 0.9);
}
