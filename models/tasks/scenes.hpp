// Scenes and captions (one-to-many): 16×16 grayscale rasters of one or two shapes, each described
// by a sentence of a small grammar.
//
// The 3×3 grid: cell k (0..8, reading order) is rows 1 + 5·⌊k/3⌋ … +4 and columns 1 + 5·(k mod 3)
// … +4 (row 0 and column 0 stay black). A large shape fills its cell's 5×5 box, a small one the
// centred 3×3 box; each shape is drawn in one gray level in 128..255 on black (maxval 255):
//   large square  #####   circle  .###.   triangle  #....   cross  ..#..
//                 #####           #...#             ##...          ..#..
//                 #####           #...#             ###..          #####
//                 #####           #...#             ####.          ..#..
//                 #####           .###.             #####          ..#..
//   small square  ###     circle  .#.     triangle  #..     cross  .#.
//                 ###             #.#               ##.            ###
//                 ###             .#.               ###            .#.
// Caption grammar (shapes in reading order of their cells, never two in one cell):
//   caption := phrase | phrase " and " phrase
//   phrase  := "a " ("small" | "large") " " ("square" | "circle" | "triangle" | "cross") " " place
//   place   := "at the top left" | "at the top" | "at the top right" | "on the left" |
//              "in the middle" | "on the right" | "at the bottom left" | "at the bottom" |
//              "at the bottom right"          (cells 0..8)
// e.g. "a large circle at the top left and a small cross in the middle".
// Held out: 8 of the 36 shape–cell combinations never appear in a training scene — square at the
// top left and in the middle, circle at the top right and at the bottom left, triangle in the
// middle and at the bottom right, cross at the top and at the bottom left; every held-out scene
// has at least one of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "models/image/gray_image.hpp"
#include "models/text/word_vocabulary.hpp"

namespace unroll::tasks {

enum class SceneShape : std::uint8_t { Square, Circle, Triangle, Cross };
enum class ShapeSize : std::uint8_t { Small, Large };
enum class SceneSplit : std::uint8_t { Train, HeldOut };

inline constexpr std::size_t kSceneSide = 16, kSceneCells = 9, kCellSide = 5;

struct PlacedShape {
  SceneShape shape = SceneShape::Square;
  ShapeSize size = ShapeSize::Large;
  std::size_t cell = 0;           // 0..8, reading order
  std::uint16_t intensity = 255;  // its gray level
  bool operator==(const PlacedShape&) const = default;
};

struct Scene {
  std::vector<PlacedShape> shapes;  // one or two, in increasing cell order
  GrayImage image;                  // 16×16, maxval 255
  std::string caption;
};

std::string_view shape_name(SceneShape shape);  // "square"
std::string_view size_name(ShapeSize size);     // "small"
std::string_view cell_place(std::size_t cell);  // "at the top left"; IndexError past 8

// Whether the combination never appears in training (the list above); IndexError past cell 8.
bool held_out(SceneShape shape, std::size_t cell);

// The caption of `shapes`; ValueError unless there are one or two, in increasing cells ≤ 8, with
// gray levels in 1..255.
std::string scene_caption(const std::vector<PlacedShape>& shapes);
// The 16×16 raster of `shapes` (the same checks as scene_caption).
GrayImage render_scene(const std::vector<PlacedShape>& shapes);

// Scene `index` of `split` for `seed`: one or two shapes (even odds), distinct cells, shape, size
// and gray level uniform, drawn from batch_rng(seed, 2 · index + split) (random.hpp) and redrawn
// until they belong to the split.
Scene make_scene(std::uint64_t seed, SceneSplit split, std::uint64_t index);

// The caption words: <pad> <start> <end>, then a small large square circle triangle cross at the
// top left right on in middle bottom and.
const WordVocabulary& caption_vocabulary();

}  // namespace unroll::tasks
