// libFuzzer target for the UTF-8 decoder and encoder (models/text/utf8.hpp). The input as bytes:
// decode_utf8 either refuses it with a ValueError naming a byte offset inside it, or returns
// Unicode scalar values that encode_utf8 turns back into exactly the input — so nothing overlong,
// no surrogate and nothing past U+10FFFF gets through. The input as 32-bit words: every scalar
// value among them encodes to UTF-8 that decodes back to it — so nothing valid is refused.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "framework/errors.hpp"
#include "models/text/utf8.hpp"

using namespace unroll;

namespace {

bool is_scalar_value(char32_t c) { return c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF); }

// The offset in "invalid UTF-8 at byte N: …" is inside the text.
void check_refusal(const ValueError& e, std::size_t size) {
  const std::string_view prefix = "invalid UTF-8 at byte ";
  const std::string what = e.what();
  if (what.rfind(prefix, 0) != 0) std::abort();
  if (std::strtoull(what.c_str() + prefix.size(), nullptr, 10) >= size) std::abort();
}

void bytes_round_trip(std::string_view bytes) {
  std::u32string decoded;
  try {
    decoded = decode_utf8(bytes);
  } catch (const ValueError& e) {
    check_refusal(e, bytes.size());
    return;
  }
  for (char32_t c : decoded) {
    if (!is_scalar_value(c)) std::abort();
    describe_symbol(c);
  }
  if (encode_utf8(decoded) != bytes) std::abort();
}

void code_points_round_trip(const std::uint8_t* data, std::size_t size) {
  std::u32string scalars;
  for (std::size_t i = 0; i + 4 <= size; i += 4) {
    char32_t c;
    std::memcpy(&c, data + i, 4);
    c %= 0x110000;  // most words then land on a code point
    if (is_scalar_value(c)) scalars.push_back(c);
  }
  if (decode_utf8(encode_utf8(scalars)) != scalars) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  bytes_round_trip({reinterpret_cast<const char*>(data), size});
  code_points_round_trip(data, size);
  return 0;
}
