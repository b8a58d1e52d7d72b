#include "models/text/utf8.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"

namespace unroll {

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  const std::size_t n = text.size();
  auto fail = [&](const char* why) {
    return ValueError(fmt::format("invalid UTF-8 at byte {}: {} (byte 0x{:02X})", i, why,
                                  static_cast<unsigned char>(text[i])));
  };
  while (i < n) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length;
    char32_t cp;
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2, cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3, cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4, cp = lead & 0x07;
    } else if (lead >= 0x80 && lead <= 0xBF) {
      throw fail("continuation byte without a lead byte");
    } else {
      throw fail("byte never valid in UTF-8");
    }
    if (i + length > n) throw fail("sequence truncated by the end of the text");
    for (std::size_t k = 1; k < length; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80) throw fail("sequence cut short by a non-continuation byte");
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000))
      throw fail("overlong encoding");
    if (cp >= 0xD800 && cp <= 0xDFFF) throw fail("surrogate code point");
    if (cp > 0x10FFFF) throw fail("code point past U+10FFFF");
    out.push_back(cp);
    i += length;
  }
  return out;
}

std::string encode_utf8(char32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xF0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

std::string encode_utf8(std::u32string_view code_points) {
  std::string s;
  s.reserve(code_points.size());
  for (char32_t cp : code_points) s += encode_utf8(cp);
  return s;
}

std::string describe_symbol(char32_t cp) {
  const auto code = static_cast<unsigned>(cp);
  if (cp < 0x20 || cp == 0x7F) return fmt::format("U+{:04X}", code);
  return fmt::format("'{}' (U+{:04X})", encode_utf8(cp), code);
}

}  // namespace unroll
