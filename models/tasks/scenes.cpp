#include "models/tasks/scenes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "framework/errors.hpp"
#include "models/tasks/random.hpp"

namespace unroll::tasks {

namespace {

using Bitmap = std::array<const char*, kCellSide>;

// Rows of '#' (ink) and '.', per shape; small ones use the first three rows and columns.
constexpr std::array<Bitmap, 4> kLarge = {{
    {"#####", "#####", "#####", "#####", "#####"},
    {".###.", "#...#", "#...#", "#...#", ".###."},
    {"#....", "##...", "###..", "####.", "#####"},
    {"..#..", "..#..", "#####", "..#..", "..#.."},
}};
constexpr std::array<Bitmap, 4> kSmall = {{
    {"###", "###", "###", "", ""},
    {".#.", "#.#", ".#.", "", ""},
    {"#..", "##.", "###", "", ""},
    {".#.", "###", ".#.", "", ""},
}};

constexpr std::array<const char*, kSceneCells> kPlaces = {
    "at the top left",    "at the top",    "at the top right",
    "on the left",        "in the middle", "on the right",
    "at the bottom left", "at the bottom", "at the bottom right"};

// held_out per shape, a bit per cell.
constexpr std::array<unsigned, 4> kHeldOut = {
    (1u << 0) | (1u << 4),  // square: top left, middle
    (1u << 2) | (1u << 6),  // circle: top right, bottom left
    (1u << 4) | (1u << 8),  // triangle: middle, bottom right
    (1u << 1) | (1u << 6),  // cross: top, bottom left
};

void check_cell(const char* who, std::size_t cell) {
  if (cell >= kSceneCells)
    throw IndexError(fmt::format("{}: cell {} is past the grid's cells 0..8", who, cell));
}

void check_shapes(const char* who, const std::vector<PlacedShape>& shapes) {
  if (shapes.empty() || shapes.size() > 2)
    throw ValueError(fmt::format("{}: {} shapes; a scene has one or two", who, shapes.size()));
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    check_cell(who, shapes[i].cell);
    if (shapes[i].intensity < 1 || shapes[i].intensity > 255)
      throw ValueError(fmt::format("{}: gray level {} of shape {} is not in 1..255", who,
                                   shapes[i].intensity, i));
    if (i > 0 && shapes[i].cell <= shapes[i - 1].cell)
      throw ValueError(fmt::format("{}: cells {} then {}: shapes go in increasing cells", who,
                                   shapes[i - 1].cell, shapes[i].cell));
  }
}

}  // namespace

std::string_view shape_name(SceneShape shape) {
  static constexpr std::array<std::string_view, 4> names = {"square", "circle", "triangle",
                                                            "cross"};
  return names[static_cast<std::size_t>(shape)];
}

std::string_view size_name(ShapeSize size) { return size == ShapeSize::Small ? "small" : "large"; }

std::string_view cell_place(std::size_t cell) {
  check_cell("cell_place", cell);
  return kPlaces[cell];
}

bool held_out(SceneShape shape, std::size_t cell) {
  check_cell("held_out", cell);
  return (kHeldOut[static_cast<std::size_t>(shape)] >> cell) & 1u;
}

std::string scene_caption(const std::vector<PlacedShape>& shapes) {
  check_shapes("scene_caption", shapes);
  std::string out;
  for (const auto& s : shapes)
    out += fmt::format("{}a {} {} {}", out.empty() ? "" : " and ", size_name(s.size),
                       shape_name(s.shape), kPlaces[s.cell]);
  return out;
}

GrayImage render_scene(const std::vector<PlacedShape>& shapes) {
  check_shapes("render_scene", shapes);
  GrayImage image = GrayImage::blank(kSceneSide, kSceneSide, 255);
  for (const auto& s : shapes) {
    const bool large = s.size == ShapeSize::Large;
    const Bitmap& bitmap = (large ? kLarge : kSmall)[static_cast<std::size_t>(s.shape)];
    const std::size_t side = large ? kCellSide : 3, inset = large ? 0 : 1;
    const std::size_t top = 1 + kCellSide * (s.cell / 3) + inset;
    const std::size_t left = 1 + kCellSide * (s.cell % 3) + inset;
    for (std::size_t r = 0; r < side; ++r)
      for (std::size_t c = 0; c < side; ++c)
        if (bitmap[r][c] == '#') image.at(top + r, left + c) = s.intensity;
  }
  return image;
}

Scene make_scene(std::uint64_t seed, SceneSplit split, std::uint64_t index) {
  auto rng = batch_rng(seed, 2 * index + static_cast<std::uint64_t>(split));
  const auto draw = [&](std::size_t cell) {
    PlacedShape s;
    s.shape = static_cast<SceneShape>(uniform_below(rng, 4));
    s.size = static_cast<ShapeSize>(uniform_below(rng, 2));
    s.cell = cell;
    s.intensity = static_cast<std::uint16_t>(128 + uniform_below(rng, 128));
    return s;
  };
  Scene scene;
  for (;;) {
    const std::size_t first = uniform_below(rng, kSceneCells);
    scene.shapes = {draw(first)};
    if (uniform_below(rng, 2) == 1) {
      const std::size_t other = uniform_below(rng, kSceneCells - 1);
      scene.shapes.push_back(draw(other >= first ? other + 1 : other));
    }
    std::sort(scene.shapes.begin(), scene.shapes.end(),
              [](const PlacedShape& a, const PlacedShape& b) { return a.cell < b.cell; });
    const bool any_held_out =
        std::any_of(scene.shapes.begin(), scene.shapes.end(),
                    [](const PlacedShape& s) { return held_out(s.shape, s.cell); });
    if (any_held_out == (split == SceneSplit::HeldOut)) break;
  }
  scene.image = render_scene(scene.shapes);
  scene.caption = scene_caption(scene.shapes);
  return scene;
}

const WordVocabulary& caption_vocabulary() {
  static const WordVocabulary vocabulary({"a", "small", "large", "square", "circle", "triangle",
                                          "cross", "at", "the", "top", "left", "right", "on", "in",
                                          "middle", "bottom", "and"});
  return vocabulary;
}

}  // namespace unroll::tasks
