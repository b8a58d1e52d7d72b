#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "framework/errors.hpp"
#include "models/image/pgm.hpp"
#include "models/tasks/scenes.hpp"

using namespace unroll;
using namespace unroll::tasks;

namespace {

// (size, shape, cell) as words and a cell number, e.g. ("large", "circle", 0).
using Seen = std::tuple<std::string, std::string, std::size_t>;

// What a caption says, read with the grammar written out again here.
std::vector<Seen> read_caption(const std::string& caption) {
  static const std::map<std::string, std::size_t> places = {
      {"at the top left", 0},    {"at the top", 1},    {"at the top right", 2},
      {"on the left", 3},        {"in the middle", 4}, {"on the right", 5},
      {"at the bottom left", 6}, {"at the bottom", 7}, {"at the bottom right", 8}};
  std::vector<Seen> out;
  std::size_t start = 0;
  while (start < caption.size()) {
    const std::size_t end = std::min(caption.find(" and ", start), caption.size());
    const std::string phrase = caption.substr(start, end - start);
    REQUIRE(phrase.rfind("a ", 0) == 0);
    const std::size_t s1 = phrase.find(' ', 2), s2 = phrase.find(' ', s1 + 1);
    REQUIRE(s2 != std::string::npos);
    out.emplace_back(phrase.substr(2, s1 - 2), phrase.substr(s1 + 1, s2 - s1 - 1),
                     places.at(phrase.substr(s2 + 1)));
    start = end + 5;
  }
  return out;
}

// What the pixels show: in each 5×5 cell window (1 + 5·row, 1 + 5·column), the bounding box of
// the ink gives the size (5 large, 3 small, centred) and the ink inside it the shape.
std::vector<Seen> read_pixels(const GrayImage& image) {
  REQUIRE(image.width == 16);
  REQUIRE(image.height == 16);
  for (std::size_t i = 0; i < 16; ++i) {
    REQUIRE(image.at(0, i) == 0);  // the margin is black
    REQUIRE(image.at(i, 0) == 0);
  }
  std::vector<Seen> out;
  for (std::size_t cell = 0; cell < 9; ++cell) {
    const std::size_t top = 1 + 5 * (cell / 3), left = 1 + 5 * (cell % 3);
    std::size_t r0 = 99, r1 = 0, c0 = 99, c1 = 0;
    std::set<int> levels;
    for (std::size_t r = top; r < top + 5; ++r)
      for (std::size_t c = left; c < left + 5; ++c)
        if (image.at(r, c) > 0) {
          r0 = std::min(r0, r), r1 = std::max(r1, r), c0 = std::min(c0, c), c1 = std::max(c1, c);
          levels.insert(image.at(r, c));
        }
    if (levels.empty()) continue;
    INFO("cell " << cell);
    REQUIRE(levels.size() == 1);  // one gray level per shape
    CHECK(*levels.begin() >= 128);
    const std::size_t side = r1 - r0 + 1;
    REQUIRE(c1 - c0 + 1 == side);
    REQUIRE((side == 5 || side == 3));
    REQUIRE(r0 == top + (side == 3));  // a small shape is centred in its cell
    REQUIRE(c0 == left + (side == 3));
    const auto on = [&](std::size_t r, std::size_t c) { return image.at(r0 + r, c0 + c) > 0; };
    std::size_t ink = 0;
    for (std::size_t r = 0; r < side; ++r)
      for (std::size_t c = 0; c < side; ++c) ink += on(r, c);
    const std::size_t m = side / 2, e = side - 1;
    std::string shape = "unknown";
    if (ink == side * side)
      shape = "square";
    else if (on(m, m) && !on(0, 0) && !on(0, e) && ink == 2 * side - 1)
      shape = "cross";
    else if (!on(m, m) && !on(0, 0) && !on(e, e) && on(0, m) && on(m, 0))
      shape = "circle";
    else if (on(0, 0) && !on(0, e) && on(e, 0) && on(e, e) && ink == side * (side + 1) / 2)
      shape = "triangle";
    out.emplace_back(side == 5 ? "large" : "small", shape, cell);
  }
  return out;
}

// "large circle 0, small cross 4": a readable form for comparisons.
std::string show(const std::vector<Seen>& seen) {
  std::string out;
  for (const auto& [size, shape, cell] : seen)
    out += (out.empty() ? "" : ", ") + size + " " + shape + " " + std::to_string(cell);
  return out;
}

SceneShape shape_of(const std::string& name) {
  static const std::map<std::string, SceneShape> shapes = {{"square", SceneShape::Square},
                                                           {"circle", SceneShape::Circle},
                                                           {"triangle", SceneShape::Triangle},
                                                           {"cross", SceneShape::Cross}};
  return shapes.at(name);
}

}  // namespace

TEST_CASE("scenes: every scene's pixels show what its caption says", "[tasks][scenes]") {
  std::set<std::pair<std::string, std::size_t>> train_pairs, held_pairs;
  std::size_t two = 0;
  for (const auto split : {SceneSplit::Train, SceneSplit::HeldOut})
    for (std::uint64_t i = 0; i < 3000; ++i) {
      const Scene scene = make_scene(5, split, i);
      INFO(scene.caption);
      const auto said = read_caption(scene.caption);
      REQUIRE(show(said) == show(read_pixels(scene.image)));
      // Through a PGM file's text as `predict` will read it.
      REQUIRE(show(read_pixels(parse_pgm(to_pgm(scene.image), "scene"))) == show(said));
      two += said.size() == 2;
      bool any_held = false;
      for (const auto& [size, shape, cell] : said) {
        const auto p = std::make_pair(shape, cell);
        const bool held = held_out(shape_of(shape), cell);
        any_held = any_held || held;
        (split == SceneSplit::Train ? train_pairs : held_pairs).insert(p);
      }
      CHECK(any_held == (split == SceneSplit::HeldOut));
    }
  CHECK(train_pairs.size() == 28);  // every combination but the 8 held out
  std::size_t unseen = 0;
  for (const auto& p : held_pairs) unseen += train_pairs.count(p) == 0;
  CHECK(unseen == 8);  // the held-out scenes show all 8, none of which training ever shows
  CHECK(two > 2000);
  CHECK(two < 4000);
}

TEST_CASE("scenes: the held-out list, captions and their vocabulary", "[tasks][scenes]") {
  const std::set<std::pair<int, int>> expected = {{0, 0}, {0, 4}, {1, 2}, {1, 6},
                                                  {2, 4}, {2, 8}, {3, 1}, {3, 6}};
  for (int s = 0; s < 4; ++s)
    for (int c = 0; c < 9; ++c)
      CHECK(held_out(static_cast<SceneShape>(s), static_cast<std::size_t>(c)) ==
            (expected.count({s, c}) == 1));
  const std::vector<PlacedShape> shapes = {{SceneShape::Circle, ShapeSize::Large, 0, 200},
                                           {SceneShape::Cross, ShapeSize::Small, 4, 130}};
  CHECK(scene_caption(shapes) == "a large circle at the top left and a small cross in the middle");
  const auto& vocab = caption_vocabulary();
  for (std::uint64_t i = 0; i < 300; ++i) {
    const std::string caption = make_scene(9, SceneSplit::Train, i).caption;
    CHECK(vocab.decode(vocab.encode(caption)) == caption);
  }
  CHECK(vocab.word(WordVocabulary::kStart) == "<start>");
  CHECK(vocab.word(WordVocabulary::kEnd) == "<end>");
  CHECK(vocab.size() == 20);
  CHECK(make_scene(9, SceneSplit::Train, 4).caption == make_scene(9, SceneSplit::Train, 4).caption);
  CHECK(make_scene(9, SceneSplit::Train, 4).image == make_scene(9, SceneSplit::Train, 4).image);
}

TEST_CASE("scenes: invalid shape lists are errors naming the problem", "[tasks][scenes]") {
  const PlacedShape a{SceneShape::Square, ShapeSize::Small, 3, 200};
  PlacedShape b = a;
  CHECK_THROWS_WITH(scene_caption({}), Catch::Contains("0 shapes"));
  CHECK_THROWS_WITH(render_scene({a, a}), Catch::Contains("cells 3 then 3"));
  b.cell = 9;
  CHECK_THROWS_AS(render_scene({b}), IndexError);
  b.cell = 4, b.intensity = 0;
  CHECK_THROWS_WITH(render_scene({a, b}), Catch::Contains("gray level 0 of shape 1"));
  CHECK_THROWS_AS(cell_place(9), IndexError);
}
