// Plain PGM (Netpbm "P2", ASCII) images, read strictly and written plainly.
//
// The format: the magic "P2"; then width, height and maxval (1..65535), then width · height
// values in 0..maxval, row by row; every field a decimal number separated by whitespace; '#'
// starts a comment that runs to the end of its line, anywhere whitespace may stand. Nothing but
// whitespace and comments may follow the last value. Binary PGM ("P5") is not read.
#pragma once

#include <string>
#include <string_view>

#include "models/image/gray_image.hpp"

namespace unroll {

// The image of a P2 text; ValueError "pgm <what>: line L: …" naming the field (magic, width,
// height, maxval, pixel (row r, column c)) and its value for a wrong magic, a size of 0 or past
// 2²⁴ pixels, a maxval outside 1..65535, a value above maxval or not a number, too few values
// (truncated) or text after the last one.
GrayImage parse_pgm(std::string_view text, std::string_view what);
// "P2", "W H", maxval, then one line per row (wrapped to lines of at most 70 characters).
std::string to_pgm(const GrayImage& image);

// parse_pgm of a file's bytes; ValueError naming the path when it cannot be read.
GrayImage read_pgm(const std::string& path);
// to_pgm written atomically (io::FileError naming the path on failure).
void write_pgm(const std::string& path, const GrayImage& image);

}  // namespace unroll
