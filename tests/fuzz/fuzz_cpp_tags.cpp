// libFuzzer target for the C/C++ character tagger (models/tasks/cpp_tags.hpp): any bytes get one
// tag per byte, never an exception; a comment begins with // or /*, a number with a digit or a
// '.', and a newline is never a number.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "models/tasks/cpp_tags.hpp"

using namespace unroll::tasks;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto tags = tag_cpp(text);
  if (tags.size() != size) std::abort();
  for (std::size_t i = 0; i < size; ++i) {
    if (tags[i] == CppTag::Number && text[i] == '\n') std::abort();
    if (i > 0 && tags[i - 1] == tags[i]) continue;
    const std::string_view at = text.substr(i);
    if (tags[i] == CppTag::Comment && !at.starts_with("//") && !at.starts_with("/*")) std::abort();
    if (tags[i] == CppTag::Number && !(at[0] == '.' || (at[0] >= '0' && at[0] <= '9')))
      std::abort();
  }
  return 0;
}
