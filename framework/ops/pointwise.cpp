#include "framework/ops/pointwise.hpp"

namespace unroll::pointwise_detail {

void throw_pointwise_shape(const char* name, std::size_t input, const Shape& shape,
                           std::size_t parts, std::size_t width, std::size_t rows) {
  if (width == 0)
    throw ShapeError(
        fmt::format("{}: input {} {}: its last extent must be a positive multiple of "
                    "its {} parts",
                    name, input, shape_str(shape), parts));
  throw ShapeError(
      fmt::format("{}: input {} {}: expected {} row(s) (or 1, broadcast) of {} = {} "
                  "part(s) × width {}",
                  name, input, shape_str(shape), rows, parts * width, parts, width));
}

}  // namespace unroll::pointwise_detail
