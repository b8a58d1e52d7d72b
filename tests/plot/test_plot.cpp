// The plotting module end to end: gnuplot renders each plot, and the SVG's structure (one group
// per series, titled, with one marker per drawn point) and the PNG's header are checked.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "framework/errors.hpp"
#include "plot/error.hpp"
#include "plot/gnuplot.hpp"
#include "plot/heatmap.hpp"
#include "plot/line_plot.hpp"

namespace fs = std::filesystem;
using namespace unroll;
using namespace unroll::plot;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// A fresh empty folder, removed with everything in it at the end of the test.
struct Folder {
  fs::path path = fs::temp_directory_path() / ("unroll-plot-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(std::random_device{}()));
  Folder() { fs::create_directories(path); }
  ~Folder() { fs::remove_all(path); }

  std::vector<std::string> names() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
};

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Occurrences of `needle` in `text`.
std::size_t count(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

// Text with the five XML entities decoded.
std::string xml_decoded(std::string text) {
  for (const auto& [entity, c] : std::vector<std::pair<std::string, std::string>>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}}) {
    for (auto at = text.find(entity); at != std::string::npos; at = text.find(entity, at + 1))
      text.replace(at, entity.size(), c);
  }
  return text;
}

// One plot element of gnuplot's SVG: <g id="gnuplot_plot_N"><title>T</title> … </g>.
struct SvgPlot {
  std::string title;
  std::string body;
};

// The plot groups of an SVG in order, each cut at its own closing </g> (groups nest).
std::vector<SvgPlot> svg_plots(const std::string& svg) {
  std::vector<SvgPlot> plots;
  const std::string start = "<g id=\"gnuplot_plot_";
  for (auto at = svg.find(start); at != std::string::npos; at = svg.find(start, at + 1)) {
    std::size_t depth = 0, end = at;
    do {
      const auto open = std::min(svg.find("<g ", end), svg.find("<g>", end));
      const auto close = svg.find("</g>", end);
      REQUIRE(close != std::string::npos);
      if (open < close) {
        ++depth;
        end = open + 2;
      } else {
        --depth;
        end = close + 4;
      }
    } while (depth > 0);
    const std::string body = svg.substr(at, end - at);
    const auto t0 = body.find("<title>") + 7;
    plots.push_back({xml_decoded(body.substr(t0, body.find("</title>") - t0)), body});
  }
  return plots;
}

// Markers drawn in a plot group (the legend's sample included).
std::size_t markers(const SvgPlot& plot) { return count(plot.body, "<use xlink:href='#gpPt"); }

struct PngSize {
  std::uint32_t width, height;
};

// The pixel size in a PNG's IHDR chunk, after checking the signature.
PngSize png_size(const std::string& png) {
  REQUIRE(png.size() > 24);
  REQUIRE(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  REQUIRE(png.substr(12, 4) == "IHDR");
  const auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

// Every line of the SVG's <text> elements, decoded.
std::vector<std::string> svg_texts(const std::string& svg) {
  std::vector<std::string> texts;
  for (auto at = svg.find("<text>"); at != std::string::npos; at = svg.find("<text>", at + 1))
    texts.push_back(xml_decoded(svg.substr(at + 6, svg.find("</text>", at) - at - 6)));
  return texts;
}

bool contains(const std::vector<std::string>& texts, const std::string& text) {
  return std::find(texts.begin(), texts.end(), text) != texts.end();
}

// Sets PATH for the scope of a test, then restores it.
struct PathOverride {
  std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  explicit PathOverride(const std::string& path) { ::setenv("PATH", path.c_str(), 1); }
  ~PathOverride() { ::setenv("PATH", saved.c_str(), 1); }
};

}  // namespace

TEST_CASE("a line plot of three series on a log y axis: titles, markers and the PNG's size") {
  Folder folder;
  const std::vector<double> xs = {1, 2, 3, 4, 5, 6};
  LinePlot p;
  p.title("gradient flow").x_label("distance").y_label("norm").log_y().size(640, 400);
  p.add_series("ρ = 0.5", std::vector<double>(xs.begin(), xs.begin() + 5),
               std::vector<double>{1, 0.5, 0.25, 0.125, 0.0625});
  p.add_series("ρ = 1", std::vector<double>(xs.begin(), xs.begin() + 4),
               std::vector<double>{1, 1, 1, 1});
  p.add_series("ρ = 2", xs, std::vector<double>{1, 2, 4, 8, 16, 1e6});
  p.write(folder.path / "flow");

  CHECK(folder.names() == std::vector<std::string>{"flow.png", "flow.svg"});
  const std::string svg = read(folder.path / "flow.svg");
  CHECK(count(svg, "viewBox=\"0 0 640 400\"") == 1);
  const auto plots = svg_plots(svg);
  REQUIRE(plots.size() == 3);
  CHECK(plots[0].title == "ρ = 0.5");
  CHECK(plots[1].title == "ρ = 1");
  CHECK(plots[2].title == "ρ = 2");
  CHECK(markers(plots[0]) == 5 + 1);  // one per point, one in the legend
  CHECK(markers(plots[1]) == 4 + 1);
  CHECK(markers(plots[2]) == 6 + 1);
  CHECK(contains(svg_texts(svg), "gradient flow"));
  CHECK(contains(svg_texts(svg), "distance"));

  const PngSize size = png_size(read(folder.path / "flow.png"));
  CHECK(size.width == 640);
  CHECK(size.height == 400);
}

TEST_CASE("NaN, infinite and (on a log axis) non-positive points are left out, not fatal") {
  Folder folder;
  const std::vector<double> xs = {1, 2, 3, 4, 5, 6, 7};
  LinePlot p;
  p.log_y();
  p.add_series("gaps", xs, std::vector<double>{1, kNaN, 3, kInf, -1, 0, 5});
  p.add_series("bad x", std::vector<double>{1, kNaN, 3}, std::vector<double>{2, 2, 2});
  p.add_series("nothing finite", std::vector<double>{1, 2}, std::vector<double>{kNaN, -kInf});
  p.write(folder.path / "gaps");

  const auto plots = svg_plots(read(folder.path / "gaps.svg"));
  REQUIRE(plots.size() == 3);
  CHECK(markers(plots[0]) == 3 + 1);
  CHECK(markers(plots[1]) == 2 + 1);
  CHECK(plots[2].title == "nothing finite");  // still in the legend
  CHECK(markers(plots[2]) == 0 + 1);
  // The line breaks at a gap: each run of drawn points is its own moveto.
  CHECK(p.script().find("1 1\n\n3 3\n\n7 5\n") != std::string::npos);
}

TEST_CASE("x ticks label exactly the values given, on a log axis too") {
  Folder folder;
  LinePlot p;
  p.log_x().add_series("reach", std::vector<double>{10, 25, 50, 200},
                       std::vector<double>{1, 2, 3, 4});
  p.x_ticks({10, 25, 50, 200});
  CHECK(p.script().find("set xtics (10, 25, 50, 200)\n") != std::string::npos);
  p.write(folder.path / "ticks");
  const std::string svg = read(folder.path / "ticks.svg");
  for (const std::string tick : {"10", "25", "50", "200"})
    CHECK(count(svg, " " + tick + "</tspan>") == 1);
}

TEST_CASE("a plot with no finite value at all, or constant values, renders without warnings") {
  Folder folder;
  LinePlot empty;
  empty.log_y().add_series("diverged", std::vector<double>{1, 2}, std::vector<double>{kNaN, kInf});
  empty.write(folder.path / "empty");
  CHECK(contains(svg_texts(read(folder.path / "empty.svg")), "no finite data"));

  LinePlot flat;  // gnuplot warns about an empty range unless we set one
  flat.add_series("one", std::vector<double>{3}, std::vector<double>{1});
  flat.add_series("same", std::vector<double>{3, 3}, std::vector<double>{1, 1});
  flat.write(folder.path / "flat");
  CHECK(markers(svg_plots(read(folder.path / "flat.svg"))[0]) == 1 + 1);

  LinePlot none;
  none.title("no series");
  none.write(folder.path / "none");
  CHECK(folder.names().size() == 6);
}

TEST_CASE("titles and labels are drawn verbatim: quotes, backslashes, backquotes, markup") {
  Folder folder;
  // What a backquote substitution would create (a short name: the legend has room for 80).
  const fs::path pwned = fs::temp_directory_path() / ("pwned-" + std::to_string(::getpid()));
  const std::string tricky =
      R"(say "hi" \n \\ it's `touch )" + pwned.string() + R"(` @x $y a_b^c {d} & <e>)";
  LinePlot p;
  p.title(tricky).x_label("x's \"label\"").y_label("two\nlines");
  p.add_series(tricky, std::vector<double>{1, 2}, std::vector<double>{1, 2});
  CHECK_NOTHROW(p.write(folder.path / "quotes"));
  CHECK(!fs::exists(pwned));

  const std::string svg = read(folder.path / "quotes.svg");
  const auto texts = svg_texts(svg);
  CHECK(contains(texts, tricky));            // the title
  CHECK(svg_plots(svg)[0].title == tricky);  // the legend entry
  CHECK(contains(texts, "x's \"label\""));
  CHECK(contains(texts, "two"));
  CHECK(contains(texts, "lines"));
  fs::remove(pwned);
}

TEST_CASE("legend entries longer than 80 characters are cut, ending in an ellipsis") {
  Folder folder;
  std::string long_title;
  for (int i = 0; i < 20; ++i) long_title += "ρ = 0.5 ";  // 160 code points, 180 bytes
  LinePlot p;
  p.add_series(long_title, std::vector<double>{1, 2}, std::vector<double>{1, 2});
  p.add_series(long_title.substr(0, 90), std::vector<double>{1, 2}, std::vector<double>{2, 1});
  p.write(folder.path / "long");
  const auto plots = svg_plots(read(folder.path / "long.svg"));
  REQUIRE(plots.size() == 2);
  CHECK(plots[0].title == long_title.substr(0, 89) + "…");  // 79 code points, 89 bytes
  CHECK(plots[1].title == long_title.substr(0, 90));        // exactly 80: kept whole
}

TEST_CASE("quote makes single-quoted gnuplot strings") {
  CHECK(quote("plain") == "'plain'");
  CHECK(quote("it's") == "'it''s'");
  CHECK(quote(R"(a\b"c)") == R"('a\b"c')");
  CHECK(quote("a\nb") == "'a'.\"\\n\".'b'");
  CHECK(quote("tab\there") == "'tab here'");
}

TEST_CASE("a heatmap: one cell per finite value, the others hatched, labels, the PNG's size") {
  Folder folder;
  Heatmap h;
  h.title("gradient map").x_label("distance").y_label("setting").colour_label("norm");
  h.x_labels({"1", "2", "4"}).y_labels({"ρ = 0.5", "ρ = 1"}).log_scale().size(600, 300);
  h.set({{1, 0.1, 1e-9}, {kNaN, 0, 1e3}});
  h.write(folder.path / "map");

  const std::string svg = read(folder.path / "map.svg");
  const auto plots = svg_plots(svg);
  REQUIRE(plots.size() == 2);
  CHECK(count(plots[0].body, "<polygon") == 4);                // the finite, positive cells
  CHECK(plots[1].title == "no value");                         // NaN and 0 (log scale)
  CHECK(count(plots[1].body, "fill = 'url(#gpPat") == 2 + 1);  // and the legend's sample
  const auto texts = svg_texts(svg);
  for (const std::string label : {"1", "2", "4", "ρ = 0.5", "ρ = 1", "gradient map", "norm"})
    CHECK(contains(texts, label));

  const PngSize size = png_size(read(folder.path / "map.png"));
  CHECK(size.width == 600);
  CHECK(size.height == 300);
}

TEST_CASE("a heatmap of constant or no finite values renders without warnings") {
  Folder folder;
  Heatmap h;
  h.set({{2, 2}, {2, 2}}).write(folder.path / "flat");
  h.log_scale().set({{kNaN, -1}}).write(folder.path / "nothing");
  CHECK(folder.names().size() == 4);
}

TEST_CASE("data that makes no plot is a ValueError") {
  LinePlot p;
  CHECK_THROWS_AS(p.add_series("a", std::vector<double>{1, 2}, std::vector<double>{1}), ValueError);
  CHECK_THROWS_AS(p.log_y().y_range(0, 1).script(), ValueError);
  CHECK_THROWS_AS(LinePlot().y_range(2, 1).script(), ValueError);

  Heatmap h;
  CHECK_THROWS_AS(h.script(), ValueError);
  CHECK_THROWS_AS(h.set({}), ValueError);
  CHECK_THROWS_AS(h.set({{1, 2}, {3}}), ValueError);
  h.set({{1, 2}, {3, 4}});
  CHECK_THROWS_AS(Heatmap(h).x_labels({"a"}).script(), ValueError);
  CHECK_THROWS_AS(Heatmap(h).y_labels({"a", "b", "c"}).script(), ValueError);
  CHECK_THROWS_AS(h.size(0, 10).write("x"), ValueError);
}

TEST_CASE("a missing output folder is a PlotError and leaves nothing behind") {
  Folder folder;
  LinePlot p;
  p.add_series("a", std::vector<double>{1, 2}, std::vector<double>{1, 2});
  const fs::path missing = folder.path / "no-such-folder";
  CHECK_THROWS_AS(p.write(missing / "plot"), PlotError);
  CHECK_THROWS_WITH(p.write(missing / "plot"), Catch::Contains("no such folder"));
  CHECK(!fs::exists(missing));
  CHECK(folder.names().empty());
}

TEST_CASE("without gnuplot: a PlotError naming the package, the old files kept, no temporaries") {
  Folder folder;
  LinePlot p;
  p.add_series("a", std::vector<double>{1, 2}, std::vector<double>{1, 2});
  p.write(folder.path / "plot");
  const std::string svg = read(folder.path / "plot.svg"), png = read(folder.path / "plot.png");

  p.add_series("b", std::vector<double>{1, 2}, std::vector<double>{2, 1});
  {
    const PathOverride no_gnuplot(folder.path.string());
    CHECK_THROWS_AS(p.write(folder.path / "plot"), PlotError);
    CHECK_THROWS_WITH(p.write(folder.path / "plot"),
                      "gnuplot not found: install gnuplot-nox (scripts/install-deps)");
  }
  CHECK(folder.names() == std::vector<std::string>{"plot.png", "plot.svg"});
  CHECK(read(folder.path / "plot.svg") == svg);
  CHECK(read(folder.path / "plot.png") == png);

  p.write(folder.path / "plot");  // with gnuplot back, the new plot replaces the old
  CHECK(svg_plots(read(folder.path / "plot.svg")).size() == 2);
}

TEST_CASE("gnuplot's errors and warnings are PlotErrors carrying its message") {
  Folder folder;
  const fs::path out = folder.path / "out";
  std::FILE* file = std::fopen(out.c_str(), "w");
  REQUIRE(file);
  CHECK_THROWS_WITH(run_gnuplot("set terminal svg\nplot $nothing using 1:2\n", fileno(file)),
                    Catch::Contains("gnuplot failed (exit 1)") && Catch::Contains("$nothing"));
  CHECK_THROWS_WITH(
      run_gnuplot("set terminal svg\n$d << EOD\n1 1\n2 1\nEOD\nplot $d\n", fileno(file)),
      Catch::Contains("gnuplot warned") && Catch::Contains("empty y range"));
  std::fclose(file);
}
