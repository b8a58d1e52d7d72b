// Grayscale images as text, for a terminal.
#pragma once

#include <string>

#include "models/image/gray_image.hpp"

namespace unroll {

// One line per row, each pixel as two equal characters (a terminal cell is about twice as tall
// as wide) of the ramp " .:-=+*#%@" — value v is ramp[round(9 · v / maxval)] — each line ended
// by '\n'.
std::string ascii_art(const GrayImage& image);

// Two blocks of lines side by side: each line of `left` padded to the widest one (in code
// points), `gap` spaces, then the same line of `right`, trailing spaces dropped; as many lines
// as the longer block.
std::string beside(const std::string& left, const std::string& right, std::size_t gap = 2);

}  // namespace unroll
