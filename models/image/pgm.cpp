#include "models/image/pgm.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "framework/errors.hpp"
#include "framework/io/atomic_file.hpp"

namespace unroll {

namespace {

constexpr std::size_t kMaxPixels = std::size_t{1} << 24;

// Whitespace-separated fields of a PGM text, skipping '#' comments, with their line numbers.
class Fields {
 public:
  Fields(std::string_view text, std::string_view what) : text_(text), what_(what) {}

  // The next field ("" at the end of the text); line() is its line.
  std::string_view next() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
        line_ += c == '\n';
        ++pos_;
      } else {
        break;
      }
    }
    const std::size_t start = pos_;
    while (pos_ < text_.size() && !std::strchr(" \t\r\n\v\f#", text_[pos_])) ++pos_;
    return text_.substr(start, pos_ - start);
  }

  // The field `name` as a number in [low, high]; ValueError naming it otherwise.
  std::size_t number(const std::string& name, std::size_t low, std::size_t high) {
    const std::string_view field = next();
    if (field.empty()) throw error(fmt::format("truncated: the text ends before the {}", name));
    std::size_t value = 0;
    for (const char c : field) {
      if (c < '0' || c > '9')
        throw error(fmt::format("{} '{}' is not a decimal number", name, field));
      value = value * 10 + static_cast<std::size_t>(c - '0');
      if (value > high) break;
    }
    if (value < low || value > high)
      throw error(fmt::format("{} {} is not in {}..{}", name, field, low, high));
    return value;
  }

  // "pgm <what>: line L: message", L the line of the last field read.
  ValueError error(const std::string& message) const {
    return ValueError(fmt::format("pgm {}: line {}: {}", what_, line_, message));
  }

 private:
  std::string_view text_, what_;
  std::size_t pos_ = 0, line_ = 1;
};

}  // namespace

GrayImage parse_pgm(std::string_view text, std::string_view what) {
  Fields fields(text, what);
  const std::string_view magic = fields.next();
  if (!text.starts_with("P2") || magic != "P2")  // the magic is the text's first two bytes
    throw fields.error(fmt::format("magic '{}' is not 'P2' (plain PGM)", magic.substr(0, 16)));
  GrayImage image;
  image.width = fields.number("width", 1, kMaxPixels);
  image.height = fields.number("height", 1, kMaxPixels);
  if (image.width * image.height > kMaxPixels)
    throw fields.error(
        fmt::format("size {}×{} is past {} pixels", image.width, image.height, kMaxPixels));
  image.maxval = static_cast<std::uint16_t>(fields.number("maxval", 1, 65535));
  image.pixels.resize(image.width * image.height);
  for (std::size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = static_cast<std::uint16_t>(
        fields.number(fmt::format("pixel (row {}, column {})", i / image.width, i % image.width), 0,
                      image.maxval));
  if (const std::string_view extra = fields.next(); !extra.empty())
    throw fields.error(fmt::format("'{}' after the last of {} pixel values", extra.substr(0, 16),
                                   image.pixels.size()));
  return image;
}

std::string to_pgm(const GrayImage& image) {
  std::string out = fmt::format("P2\n{} {}\n{}\n", image.width, image.height, image.maxval);
  for (std::size_t r = 0; r < image.height; ++r) {
    std::size_t line = 0;
    for (std::size_t c = 0; c < image.width; ++c) {
      const std::string value = std::to_string(image.at(r, c));
      if (line > 0 && line + 1 + value.size() > 70) out += '\n', line = 0;
      if (line > 0) out += ' ', ++line;
      out += value;
      line += value.size();
    }
    out += '\n';
  }
  return out;
}

GrayImage read_pgm(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ValueError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return parse_pgm(bytes.str(), "'" + path + "'");
}

void write_pgm(const std::string& path, const GrayImage& image) {
  io::write_file_atomically(path, to_pgm(image), "write_pgm");
}

}  // namespace unroll
