// A grayscale raster: height × width values in 0..maxval, row-major.
#pragma once

#include <cstdint>
#include <vector>

namespace unroll {

struct GrayImage {
  std::size_t width = 0, height = 0;
  std::uint16_t maxval = 255;         // 1..65535, as in PGM
  std::vector<std::uint16_t> pixels;  // [height · width], row r column c at r · width + c

  // A black image (every value 0).
  static GrayImage blank(std::size_t width, std::size_t height, std::uint16_t maxval = 255) {
    return {width, height, maxval, std::vector<std::uint16_t>(width * height, 0)};
  }
  // The value at (row, col), unchecked.
  std::uint16_t at(std::size_t row, std::size_t col) const { return pixels[row * width + col]; }
  std::uint16_t& at(std::size_t row, std::size_t col) { return pixels[row * width + col]; }
  bool operator==(const GrayImage&) const = default;
};

}  // namespace unroll
