// tag predict's rendering: one letter per character and line, and ANSI colour by runs of a tag
// (code uncoloured), the newline never inside a colour, a final line without newline completed.
#include <catch2/catch.hpp>

#include "examples/tag/render.hpp"

using namespace unroll;
using tasks::CppTag;

namespace {

const std::u32string kText = U"x=1;//\u2603\n#if\n\"s\"";
const std::vector<CppTag> kTags = {CppTag::Code,         CppTag::Code,         CppTag::Number,
                                   CppTag::Code,         CppTag::Comment,      CppTag::Comment,
                                   CppTag::Comment,      CppTag::Code,         CppTag::Preprocessor,
                                   CppTag::Preprocessor, CppTag::Preprocessor, CppTag::Code,
                                   CppTag::Literal,      CppTag::Literal,      CppTag::Literal};

}  // namespace

TEST_CASE("letters: one per character, one line per input line", "[tag]") {
  CHECK(tag::render_letters(kText, kTags) == "ccncmmm\nppp\nsss\n");
  CHECK(tag::render_letters(U"a\n", {CppTag::Code, CppTag::Code}) == "c\n");
}

TEST_CASE("colour: an escape per run of a tag, reset before every newline", "[tag]") {
  CHECK(tag::render_colour(kText, kTags) ==
        "x=\x1b[35m1\x1b[0m;\x1b[32m//\xe2\x98\x83\x1b[0m\n"
        "\x1b[34m#if\x1b[0m\n"
        "\x1b[33m\"s\"\x1b[0m\n");
}
