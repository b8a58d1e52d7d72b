// The hidden-state page (`charlm cells --html`): one self-contained HTML file — data, script and
// style inline, nothing fetched — to look at a trained model's cells over a text.
//
//   * the text, each character coloured by a chosen series' cell activation (blue −1 … white 0 …
//     red +1), a list of cells ranked by their score for a chosen feature, a search box for a
//     cell (series and index);
//   * under a hovered character, the model's five likeliest next characters and their
//     probabilities;
//   * each layer's gate-saturation plot (fraction of steps each gate is < 0.1 against > 0.9);
//   * LSTMVis's selection: select a span, and the page lists the cells above a threshold (a
//     slider) across the span and below it just before, then marks every other place where all
//     of those cells are on together.
//
// The page's state is also read from the address's fragment, so a view can be shared and a test
// can drive it: report.html#series=1&cell=17&feature=double-quoted%20string&select=120-160&threshold=0.5
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <vector>
#include <xtensor/xtensor.hpp>

namespace unroll::charlm {

// One recorded state of one layer over the text, e.g. "layer 1 h" or "layer 0 tanh(c)".
struct PageSeries {
  std::string name;
  xt::xtensor<float, 2> values;  // [T, H], each in [−1, 1] (clamped when written)
};

// Every cell's score for one feature of the text; a higher score is a better match.
struct PageFeature {
  std::string name;     // "double-quoted string"
  std::string measure;  // how it was scored: "ROC AUC", "|Spearman|", …
  // scores[s][k]: series s, cell k (the same order as CellsPage::series)
  std::vector<std::vector<double>> scores;
};

// The saturation of one gate of one layer, per cell: the fraction of steps it is < 0.1 (left)
// and > 0.9 (right).
struct PageGate {
  std::size_t layer = 0;
  std::string gate;  // "i", "f", "o" (LSTM); "r", "z" (GRU)
  std::vector<double> left, right;
};

// The five likeliest next symbols after each character, most likely first.
struct PageNext {
  std::array<char32_t, 5> symbols{};
  std::array<float, 5> probabilities{};
};

struct CellsPage {
  std::string title;     // what the page is about: checkpoint, text, model
  std::u32string text;   // the characters shown, in code points; T of them
  std::vector<PageSeries> series;
  std::vector<PageFeature> features;
  std::vector<PageGate> gates;  // empty for a plain RNN
  std::vector<PageNext> next;   // T of them
};

// Writes `page` to `path` atomically (a temporary file renamed into place): ValueError when the
// page is inconsistent (series of other lengths, scores of other sizes), FileError (framework/io/atomic_file.hpp) when the file
// cannot be written.
void write_cells_page(const CellsPage& page, const std::string& path);

}  // namespace unroll::charlm
