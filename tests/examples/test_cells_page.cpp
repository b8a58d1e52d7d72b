// The hidden-state page (examples/charlm/cells_page.*) in a real browser: a page of known synthetic
// data is written, rendered by headless chromium (scripts/screenshot-page) with a fragment that
// picks a series, a cell, a feature and a selection, and the DOM its script built is checked —
// the colours, the ranking, the selection's cells and matches, the next-character box, the gate
// panels — as is its screenshot (decoded with libpng). Also: hostile text round-trips exactly, and
// an inconsistent page is refused.
#include <fmt/format.h>
#include <png.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "examples/charlm/cells_page.hpp"
#include "framework/errors.hpp"
#include "framework/io/atomic_file.hpp"
#include "models/text/utf8.hpp"
#include "tests/program_run.hpp"

using namespace unroll;
using namespace unroll::charlm;
using unroll::testing::Run;
using unroll::testing::ScratchDir;
using unroll::testing::slurp;

namespace {

// Three double-quoted spans: "hello", "bye now" and "third"; a tab and newlines between.
const std::u32string kText =
    U"say \"hello\" to them\nand \"bye now\" then\tstop\n(x = \"third\")\n";

// The half-open range of the n-th quoted span's content (between its quotes).
std::pair<std::size_t, std::size_t> quoted(std::size_t n) {
  std::size_t open = 0, from = 0;
  for (std::size_t i = 0; i <= 2 * n; ++i) from = (open = kText.find(U'"', from)) + 1;
  return {open + 1, kText.find(U'"', open + 1)};
}

bool inside_quotes(std::size_t t) {
  for (std::size_t n = 0; n < 3; ++n)
    if (t >= quoted(n).first && t < quoted(n).second) return true;
  return false;
}

// Series 0 ("layer 0 h", 8 cells): cell 3 is +0.9 inside quotes, 0 on a quote mark, −0.5
// elsewhere; cell 5 is +0.8 inside quotes and on the opening quote too (on before the span);
// cell 6 is +0.7 everywhere; cell 7 is +0.6 from the second span's content on; the others stay
// within ±0.3. Series 1 ("layer 0 c", 4 cells) holds a slow wave.
CellsPage synthetic_page() {
  CellsPage page;
  page.title = "synthetic: quotes";
  page.text = kText;
  const std::size_t T = kText.size();
  PageSeries h{"layer 0 h", xt::xtensor<float, 2>::from_shape({T, 8})};
  PageSeries c{"layer 0 c", xt::xtensor<float, 2>::from_shape({T, 4})};
  for (std::size_t t = 0; t < T; ++t) {
    for (std::size_t k = 0; k < 8; ++k) h.values(t, k) = 0.3f * std::sin(0.7f * t + k);
    const bool quote = kText[t] == U'"';
    h.values(t, 3) = inside_quotes(t) ? 0.9f : quote ? 0.0f : -0.5f;
    h.values(t, 5) = inside_quotes(t) || (quote && inside_quotes(t + 1)) ? 0.8f : -0.2f;
    h.values(t, 6) = 0.7f;
    h.values(t, 7) = t >= quoted(1).first ? 0.6f : -0.1f;
    for (std::size_t k = 0; k < 4; ++k) c.values(t, k) = 0.5f * std::cos(0.1f * t * (k + 1));
  }
  page.series = {h, c};
  const double nan = std::nan("");
  page.features = {{"double-quoted string",
                    "ROC AUC",
                    {{0.5, 0.6, 0.4, 0.97, 0.52, 0.8, 0.51, 0.7}, {0.55, 0.9, nan, 0.3}}},
                   {"position in line",
                    "|Spearman|",
                    {{0.1, 0.2, 0.3, 0.05, 0.15, 0.25, 0.35, 0.45}, {0.99, 0.02, 0.6, 0.01}}}};
  // Gates spread apart (i along a falling line, f rising, o to the right), left + right ≤ 1.
  for (std::size_t layer = 0; layer < 2; ++layer)
    for (const std::string gate : {"i", "f", "o"}) {
      PageGate g{layer, gate, {}, {}};
      for (std::size_t k = 0; k < 8; ++k) {
        const double step = 0.1 * static_cast<double>(layer) + static_cast<double>(k);
        g.left.push_back(gate == "i" ? 0.08 * step : gate == "f" ? 0.02 * step : 0.3 + 0.05 * step);
        g.right.push_back(gate == "i"   ? 0.5 - 0.05 * step
                          : gate == "f" ? 0.15 + 0.09 * step
                                        : 0.05);
      }
      page.gates.push_back(g);
    }
  page.next.assign(T, PageNext{{U'e', U'a', U' ', U'\n', U'"'}, {0.4f, 0.3f, 0.15f, 0.1f, 0.05f}});
  return page;
}

// scripts/screenshot-page on `page`: the DOM after its scripts ran (--dom) or a PNG.
std::string render(const ScratchDir& box, const std::string& page, const std::string& fragment,
                   bool dom) {
  const std::string out = box.path(dom ? "dom.html" : "shot.png");
  const Run r = unroll::testing::run_program(
      SCREENSHOT_PAGE, box, std::string(dom ? "--dom " : "") + page + " '" + fragment + "' " + out);
  INFO(r.err);
  REQUIRE(r.status == 0);
  return slurp(out);
}

// The inner HTML of the element whose start tag begins with `start`, up to `end`.
std::string element(const std::string& dom, const std::string& start, const std::string& end) {
  const auto from = dom.find(start);
  REQUIRE(from != std::string::npos);
  const auto to = dom.find(end, from);
  REQUIRE(to != std::string::npos);
  return dom.substr(from, to - from);
}

// What the serialiser escaped in text, back to the characters.
std::string unescape(std::string s) {
  const std::pair<std::string, std::string> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&nbsp;", "\u00A0"}, {"&amp;", "&"}};
  for (const auto& [entity, text] : entities)
    for (auto at = s.find(entity); at != std::string::npos; at = s.find(entity, at + text.size()))
      s.replace(at, entity.size(), text);
  return s;
}

struct CharSpan {
  std::string attributes, text;
};
std::vector<CharSpan> text_spans(const std::string& dom) {
  const std::string box = element(dom, "<div id=\"text\"", "</div>");
  std::vector<CharSpan> out;
  const std::regex span("<span([^>]*)>([^<]*)</span>");
  for (auto it = std::sregex_iterator(box.begin(), box.end(), span); it != std::sregex_iterator();
       ++it)
    out.push_back({(*it)[1], unescape((*it)[2])});
  return out;
}

enum class Shade { Red, White, Blue };
Shade shade(const std::string& attributes) {
  std::smatch m;
  REQUIRE(std::regex_search(attributes, m,
                            std::regex(R"(background-color: rgb\((\d+), (\d+), (\d+)\))")));
  const int r = std::stoi(m[1]), g = std::stoi(m[2]), b = std::stoi(m[3]);
  if (r == 255 && g == 255 && b == 255) return Shade::White;
  return r > b ? Shade::Red : Shade::Blue;
}

bool has_class(const std::string& attributes, const std::string& name) {
  return std::regex_search(attributes, std::regex("class=\"([^\"]* )?" + name + "( [^\"]*)?\""));
}

// The values of `attribute` on the <li> of the list starting with `start`, in order.
std::vector<std::string> list_values(const std::string& dom, const std::string& start,
                                     const std::string& pattern) {
  const std::string list = element(dom, start, "</ol>");
  std::vector<std::string> out;
  const std::regex item("<li " + pattern);
  for (auto it = std::sregex_iterator(list.begin(), list.end(), item); it != std::sregex_iterator();
       ++it)
    out.push_back((*it)[1]);
  return out;
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1))
    ++n;
  return n;
}

std::string fragment_for(std::size_t a, std::size_t b, const std::string& threshold) {
  return "series=0&cell=3&feature=double-quoted%20string&select=" + std::to_string(a) + "-" +
         std::to_string(b) + "&threshold=" + threshold + "&at=2";
}

struct Pixels {
  std::size_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;
};
Pixels decode_png(const std::string& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_memory(&image, bytes.data(), bytes.size()) != 0);
  image.format = PNG_FORMAT_RGB;
  Pixels p{image.width, image.height, std::vector<std::uint8_t>(PNG_IMAGE_SIZE(image))};
  REQUIRE(png_image_finish_read(&image, nullptr, p.rgb.data(), 0, nullptr) != 0);
  return p;
}

}  // namespace

TEST_CASE("the page shows the chosen cell's colours, the ranking, the selection and its matches",
          "[cells_page][browser]") {
  ScratchDir box;
  const std::string page = box.path("page.html");
  write_cells_page(synthetic_page(), page);
  const auto [a, b] = quoted(1);  // "bye now"
  const std::string dom = render(box, page, fragment_for(a, b, "0.5"), true);
  REQUIRE(dom.find("data-ready=\"true\"") != std::string::npos);

  // Cell 3 of series 0: red inside the quotes, white on the six quote marks, blue elsewhere.
  const auto spans = text_spans(dom);
  REQUIRE(spans.size() == kText.size());
  std::size_t red = 0, white = 0, blue = 0, inside = 0;
  for (std::size_t t = 0; t < spans.size(); ++t) {
    const Shade s = shade(spans[t].attributes);
    red += s == Shade::Red;
    white += s == Shade::White;
    blue += s == Shade::Blue;
    inside += inside_quotes(t);
    CHECK((s == Shade::Red) == inside_quotes(t));
  }
  CHECK(red == inside);
  CHECK(white == 6);
  CHECK(blue == kText.size() - inside - 6);

  // The ranking by "double-quoted string", across both series; the NaN score last.
  const auto ranked =
      list_values(dom, "<ol id=\"ranking\"", R"re(data-series="(\d+)" data-cell="\d+")re");
  const auto cells =
      list_values(dom, "<ol id=\"ranking\"", R"re(data-series="\d+" data-cell="(\d+)")re");
  REQUIRE(ranked.size() == 12);
  CHECK(std::vector<std::string>(ranked.begin(), ranked.begin() + 4) ==
        std::vector<std::string>{"0", "1", "0", "0"});
  CHECK(std::vector<std::string>(cells.begin(), cells.begin() + 4) ==
        std::vector<std::string>{"3", "1", "5", "7"});
  CHECK(ranked.back() == "1");
  CHECK(cells.back() == "2");

  // The selection "bye now": cells 3 and 7 are on across it and off before (5 is on at the
  // opening quote, 6 everywhere); both are on together again only inside "third".
  CHECK(list_values(dom, "<ol id=\"selection-cells\"", R"re(data-cell="(\d+)")re") ==
        std::vector<std::string>{"3", "7"});
  CHECK(dom.find("data-count=\"1\"") != std::string::npos);
  std::size_t runs = 0, marked = 0;
  for (std::size_t t = 0; t < spans.size(); ++t) {
    const bool match = has_class(spans[t].attributes, "match");
    marked += match;
    runs += match && (t == 0 || !has_class(spans[t - 1].attributes, "match"));
    CHECK(has_class(spans[t].attributes, "sel") == (t >= a && t < b));
  }
  CHECK(runs == 1);
  CHECK(marked == quoted(2).second - quoted(2).first);

  // The next-character box pinned on character 2 (at=2): five symbols, likeliest first.
  const std::string next = element(dom, "<div id=\"next\"", "</ol>");
  CHECK(next.find("hidden") == std::string::npos);
  std::vector<std::string> symbols;
  const std::regex symbol(R"(<span class="symbol">([^<]*)</span>)");
  for (auto it = std::sregex_iterator(next.begin(), next.end(), symbol);
       it != std::sregex_iterator(); ++it)
    symbols.push_back(unescape((*it)[1]));
  CHECK(symbols == std::vector<std::string>{"e", "a", "␣", "↵", "\""});
  CHECK(next.find("40.0%") != std::string::npos);

  // Two gate panels (layers 0 and 1): 3 gates × 8 cells and a 3-dot legend each.
  const std::string plots = element(dom, "<div id=\"saturation-plots\"", "</section>");
  CHECK(count(plots, "<svg") == 2);
  CHECK(count(plots, "<circle") == 2 * (3 * 8 + 3));
}

TEST_CASE(
    "the page's threshold comes from the fragment: above cell 7's 0.6, cell 3 alone matches twice",
    "[cells_page][browser]") {
  ScratchDir box;
  const std::string page = box.path("page.html");
  write_cells_page(synthetic_page(), page);
  const auto [a, b] = quoted(1);
  const std::string dom = render(box, page, fragment_for(a, b, "0.65"), true);
  CHECK(list_values(dom, "<ol id=\"selection-cells\"", R"re(data-cell="(\d+)")re") ==
        std::vector<std::string>{"3"});
  CHECK(dom.find("data-count=\"2\"") != std::string::npos);
  // Another feature ranks another way: series 1's cell 0 first.
  const std::string other = render(box, page, "feature=position%20in%20line", true);
  CHECK(list_values(other, "<ol id=\"ranking\"", R"re(data-series="\d+" data-cell="(\d+)")re")
            .front() == "0");
  CHECK(list_values(other, "<ol id=\"ranking\"", R"re(data-series="(\d+)" data-cell="\d+")re")
            .front() == "1");
}

TEST_CASE(
    "a span selected with the mouse and a click on the ranking change the view and the address",
    "[cells_page][browser]") {
  ScratchDir box;
  const std::string page = box.path("page.html");
  write_cells_page(synthetic_page(), page);
  // The page with a driver after its own script: it selects "bye now" as a mouse drag leaves it
  // (a range over the characters' text nodes, then mouseup), then clicks the ranking's second row.
  const auto [a, b] = quoted(1);
  std::string html = slurp(page);
  const auto end = html.rfind("</body>");
  REQUIRE(end != std::string::npos);
  html.insert(end, fmt::format(R"js(<script>
const spans = document.getElementById('text').children;
const range = document.createRange();
range.setStart(spans[{}].firstChild, 0);
range.setEnd(spans[{}].firstChild, 1);
getSelection().addRange(range);
document.getElementById('text').dispatchEvent(new MouseEvent('mouseup', {{ bubbles: true }}));
const selected = location.hash, summary = document.getElementById('selection-cells').textContent;
document.querySelector('#ranking li:nth-child(2) .who').click();
const out = document.createElement('pre');
out.id = 'driver';
out.textContent = [selected, summary, location.hash, getSelection().rangeCount].join('|');
document.body.append(out);
</script>)js",
                               a, b - 1));
  const std::string driven = box.write("driven.html", html);
  const std::string dom = render(box, driven, "series=0&cell=3&threshold=0.5", true);
  const std::string log = unescape(element(dom, "<pre id=\"driver\">", "</pre>").substr(17));
  INFO(log);
  CHECK(log == fmt::format("#series=0&cell=3&feature=double-quoted%20string&select={}-{}"
                           "&threshold=0.5|3 +0.907 +0.60|#series=1&cell=1&feature=double-"
                           "quoted%20string&select={}-{}&threshold=0.5|0",
                           a, b, a, b));
  // Series 1 is shown now: its cells are below the threshold over "bye now".
  CHECK(element(dom, "<p id=\"selection-summary\"", "</p>").find(" none.") != std::string::npos);
}

TEST_CASE("a plain RNN's page without features renders, and a bad address is reported, not applied",
          "[cells_page][browser]") {
  ScratchDir box;
  CellsPage p = synthetic_page();
  p.features.clear();
  p.gates.clear();
  const std::string page = box.path("page.html");
  write_cells_page(p, page);
  const std::string dom = render(box, page, "series=9&cell=2&feature=nope&select=5-2", true);
  REQUIRE(dom.find("data-ready=\"true\"") != std::string::npos);
  const std::string notice = element(dom, "<p id=\"notice\"", "</p>");
  CHECK(notice.find("hidden") == std::string::npos);
  CHECK(notice.find("series=9 (not in 0…1)") != std::string::npos);
  CHECK(notice.find("feature=nope (no such feature)") != std::string::npos);
  CHECK(notice.find("select=5-2") != std::string::npos);
  CHECK(element(dom, "<div id=\"saturation-plots\"", "</div>").find("No gates") !=
        std::string::npos);
  CHECK(list_values(dom, "<ol id=\"ranking\"", R"re(data-cell="(\d+)")re").empty());
  // The valid part applies: series 0, cell 2.
  CHECK(dom.find("Cell 2 of layer 0 h") != std::string::npos);
}

TEST_CASE("the page's screenshot is drawn: the text's reds and blues, many colours",
          "[cells_page][browser]") {
  ScratchDir box;
  const std::string page = box.path("page.html");
  write_cells_page(synthetic_page(), page);
  const auto [a, b] = quoted(1);
  const std::string png = render(
      box, page, "series=0&cell=3&select=" + std::to_string(a) + "-" + std::to_string(b), false);
  // Kept in the build tree to be looked at.
  io::write_file_atomically(CELLS_PAGE_SCREENSHOT, png, "test_cells_page");
  const Pixels p = decode_png(png);
  CHECK(p.width == 1280);
  CHECK(p.height == 1400);
  std::size_t non_white = 0, reds = 0, blues = 0;
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i < p.rgb.size(); i += 3) {
    const int r = p.rgb[i], g = p.rgb[i + 1], bl = p.rgb[i + 2];
    colours.insert(static_cast<std::uint32_t>(r << 16 | g << 8 | bl));
    non_white += r < 250 || g < 250 || bl < 250;
    const auto near = [&](int r0, int g0, int b0) {
      return std::abs(r - r0) <= 6 && std::abs(g - g0) <= 6 && std::abs(bl - b0) <= 6;
    };
    reds += near(186, 47, 64);     // cell 3 at +0.9 on the diverging scale
    blues += near(144, 179, 214);  // cell 3 at −0.5
  }
  CHECK(colours.size() > 100);
  CHECK(non_white > p.rgb.size() / 3 / 20);
  CHECK(reds > 1000);
  CHECK(blues > 1000);
}

TEST_CASE("text full of markup, quotes, Korean and emoji shows exactly as given",
          "[cells_page][browser]") {
  ScratchDir box;
  CellsPage page = synthetic_page();
  page.title = "</script><b>title</b> & \"q\"";
  page.text = decode_utf8(
      "</script><script>document.body.dataset.ready='broken'</script> \"dq\" 'sq' & &amp; < > "
      "<!-- c --> ]]> \\u003c @DATA@ @JS@ 한국어 텍스트 😀👍🏽\u00A0nbsp\n\t  two "
      "spaces\n");
  const std::size_t T = page.text.size();
  for (auto& s : page.series) s.values = xt::zeros<float>({T, s.values.shape(1)});
  page.next.assign(T, page.next.front());
  const std::string path = box.path("page.html");
  write_cells_page(page, path);
  const std::string dom = render(box, path, "", true);
  REQUIRE(dom.find("data-ready=\"true\"") != std::string::npos);
  std::string shown;
  for (const auto& span : text_spans(dom)) shown += span.text;
  CHECK(shown == encode_utf8(page.text));
  CHECK(text_spans(dom).size() == T);  // one span per code point, emoji included
  const std::string title_tag = "<span id=\"page-title\">";
  CHECK(unescape(element(dom, title_tag, "</span>").substr(title_tag.size())) == page.title);
}

TEST_CASE("an inconsistent page is refused, naming what is off, and nothing is written",
          "[cells_page]") {
  ScratchDir box;
  const std::string path = box.path("page.html");
  const auto refused = [&](const CellsPage& page, const std::string& fragment) {
    CHECK_THROWS_WITH(write_cells_page(page, path),
                      Catch::Contains("write_cells_page") && Catch::Contains(fragment));
    CHECK_THROWS_AS(write_cells_page(page, path), ValueError);
    CHECK(!std::filesystem::exists(path));
  };
  const std::size_t T = kText.size();
  CellsPage p = synthetic_page();

  p.series[1].values = xt::zeros<float>({T - 1, std::size_t{4}});
  refused(p, fmt::format("series 'layer 0 c' has {} steps, the text {} characters", T - 1, T));
  p = synthetic_page();
  p.series[0].values(4, 2) = std::nanf("");
  refused(p, "series 'layer 0 h' is nan at step 4, cell 2");
  p = synthetic_page();
  p.series[1].name = "layer 0 h";
  refused(p, "two series are named 'layer 0 h'");
  p = synthetic_page();
  p.features[0].scores[1].pop_back();
  refused(p, "feature 'double-quoted string' scores 3 cells of series 'layer 0 c', which has 4");
  p = synthetic_page();
  p.features[1].scores.pop_back();
  refused(p, "feature 'position in line' has scores for 1 series, the page has 2");
  p = synthetic_page();
  p.gates[4].right.pop_back();
  refused(p, "gate 'f' of layer 1 has 8 left and 7 right fractions");
  p = synthetic_page();
  p.gates[0].left[2] = 0.9;
  refused(p, "gate 'i' of layer 0, cell 2");
  p = synthetic_page();
  p.next.pop_back();
  refused(p, fmt::format("{} next-symbol predictions for {} characters", T - 1, T));
  p = synthetic_page();
  p.next[3].probabilities = {0.1f, 0.5f, 0.1f, 0.1f, 0.1f};
  refused(p, "next symbols after step 3 are not most likely first");
  p = synthetic_page();
  p.text[5] = 0xD800;
  refused(p, "text[5] is U+D800, not a Unicode scalar value");
  p = synthetic_page();
  p.series.clear();
  p.features.clear();
  refused(p, "the page has no series");

  CHECK_THROWS_AS(write_cells_page(synthetic_page(), box.path("no/such/dir/page.html")),
                  io::FileError);
}

TEST_CASE("a page of 2 × 256 cells over 5,000 characters stays under 4 MB", "[cells_page]") {
  ScratchDir box;
  CellsPage page = synthetic_page();
  page.text.clear();
  while (page.text.size() < 5000) page.text += kText;
  page.text.resize(5000);
  for (auto& s : page.series) s.values = xt::ones<float>({std::size_t{5000}, std::size_t{256}});
  for (auto& f : page.features) f.scores.assign(2, std::vector<double>(256, 0.5));
  page.next.assign(5000, page.next.front());
  const std::string path = box.path("page.html");
  write_cells_page(page, path);
  const auto size = std::filesystem::file_size(path);
  INFO("bytes: " << size);
  CHECK(size > 2 * 256 * 5000 * 4 / 3);  // the activations really are in it, as base64 int8
  CHECK(size < 4'000'000);
}
