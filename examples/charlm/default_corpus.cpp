#include "examples/charlm/default_corpus.hpp"

// The corpus file is assembled by CMake (examples/CMakeLists.txt) and included as raw bytes.
asm(".section .rodata\n"
    ".global unroll_default_corpus_begin\n"
    "unroll_default_corpus_begin:\n"
    ".incbin \"" UNROLL_DEFAULT_CORPUS
    "\"\n"
    ".global unroll_default_corpus_end\n"
    "unroll_default_corpus_end:\n"
    ".previous\n");

extern "C" const char unroll_default_corpus_begin[];
extern "C" const char unroll_default_corpus_end[];

namespace unroll {
std::string_view default_corpus() {
  return {unroll_default_corpus_begin,
          static_cast<std::size_t>(unroll_default_corpus_end - unroll_default_corpus_begin)};
}
}  // namespace unroll
