// libFuzzer target for the plain PGM reader (models/image/pgm.hpp): any bytes are either refused
// with a ValueError "pgm <what>: line N: …" whose line is inside the text, or read as an image
// whose every value is within its maxval and which to_pgm writes as a text that reads back equal.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "framework/errors.hpp"
#include "models/image/pgm.hpp"

using namespace unroll;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  GrayImage image;
  try {
    image = parse_pgm(text, "fuzz");
  } catch (const ValueError& e) {
    const std::string_view prefix = "pgm fuzz: line ";
    const std::string what = e.what();
    if (what.rfind(prefix, 0) != 0) std::abort();
    const auto line = std::strtoull(what.c_str() + prefix.size(), nullptr, 10);
    std::size_t lines = 1;
    for (const char c : text) lines += c == '\n';
    if (line < 1 || line > lines) std::abort();
    return 0;
  }
  if (image.pixels.size() != image.width * image.height || image.maxval == 0) std::abort();
  for (const auto v : image.pixels)
    if (v > image.maxval) std::abort();
  if (!(parse_pgm(to_pgm(image), "again") == image)) std::abort();
  return 0;
}
