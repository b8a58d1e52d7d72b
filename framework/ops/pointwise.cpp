#include "framework/ops/pointwise.hpp"

namespace unroll::pointwise_detail {

bool fits(const Shape& shape, const Shape& widest, std::size_t last) {
  if (shape.back() != last || shape.size() > widest.size()) return false;
  const bool single_row =
      std::all_of(shape.begin(), shape.end() - 1, [](auto d) { return d == 1; });
  return single_row || (shape.size() == widest.size() &&
                        std::equal(shape.begin(), shape.end() - 1, widest.begin()));
}

void throw_pointwise_width(const char* name, std::size_t input, const Shape& shape,
                           std::size_t parts) {
  throw ShapeError(
      fmt::format("{}: input {} {}: its last extent must be a positive multiple of "
                  "its {} parts",
                  name, input, shape_str(shape), parts));
}

void throw_pointwise_shape(const char* name, std::size_t input, const Shape& shape,
                           std::size_t parts, std::size_t width, std::size_t widest,
                           const Shape& widest_shape) {
  Shape expected = widest_shape;
  expected.back() = parts * width;
  throw ShapeError(
      fmt::format("{}: input {} {} does not fit input {} {}: expected {} (or one row "
                  "[{}], broadcast) = {} part(s) × width {}",
                  name, input, shape_str(shape), widest, shape_str(widest_shape),
                  shape_str(expected), parts * width, parts, width));
}

}  // namespace unroll::pointwise_detail
