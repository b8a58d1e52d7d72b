#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "models/tasks/cpp_tags.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll::tasks;
using unroll::testing::slurp;

namespace {

// One letter per byte: ' ' code, 'c' comment, 's' literal, 'n' number, 'p' preprocessor; a
// newline of the source shows as a newline (its tag is checked apart).
std::string letters(std::string_view source) {
  const auto tags = tag_cpp(source);
  REQUIRE(tags.size() == source.size());
  std::string out;
  for (std::size_t i = 0; i < source.size(); ++i)
    out += source[i] == '\n' ? '\n' : " csnp"[static_cast<int>(tags[i])];
  return out;
}

// The tag of the n-th newline (0-based) of `source`.
CppTag newline_tag(std::string_view source, int n) {
  const auto tags = tag_cpp(source);
  for (std::size_t i = 0; i < source.size(); ++i)
    if (source[i] == '\n' && n-- == 0) return tags[i];
  FAIL("no such newline");
  return CppTag::Code;
}

}  // namespace

TEST_CASE("cpp tags: identifiers with digits are code, numbers of every form are numbers",
          "[tasks][cpp_tags]") {
  CHECK(letters("int x1 = 42;") == "         nn ");
  CHECK(letters("x = 1'000'000 + 0x1F + 1.5e-3f + .5 + 10ULL;") ==
        "    nnnnnnnnn   nnnn   nnnnnnn   nn   nnnnn ");
  CHECK(letters("a1b2 + 3u + 0b1010 + 1e+10 + 0x1p-3 - x.y") ==
        "       nn   nnnnnn   nnnnn   nnnnnn      ");
  CHECK(letters("f('1', 1'2);") == "  sss  nnn  ");
}

TEST_CASE("cpp tags: char and string literals with escapes, // inside a string",
          "[tasks][cpp_tags]") {
  CHECK(letters(R"(c = 'a'; d = '\''; e = '"';)") == "    sss      ssss      sss ");
  CHECK(letters(R"(s = "a\"b // no" + "\\"; // yes)") == "    ssssssssssss   ssss  cccccc");
  CHECK(letters(R"(p = u'x' + U'y' + L"z" + u8"w";)") == "    ssss   ssss   ssss   sssss ");
  CHECK(letters(R"(auto v = "abc"sv;)") == "         sssssss ");
  // A backslash-newline continues a string; an unescaped newline ends an unterminated one.
  CHECK(letters("s = \"a\\\nb\";") == "    sss\nss ");
  CHECK(letters("\"abc\nint") == "ssss\n   ");
  CHECK(newline_tag("\"abc\nint", 0) == CppTag::Code);
}

TEST_CASE("cpp tags: comments, // continued by a backslash-newline", "[tasks][cpp_tags]") {
  CHECK(letters(R"(a /* "x" */ b)") == "  ccccccccc  ");
  CHECK(letters("a /* one\ntwo */ b") == "  cccccc\ncccccc  ");
  const std::string continued = "x; // one \\\nstill\ny";
  CHECK(letters(continued) == "   cccccccc\nccccc\n ");
  CHECK(newline_tag(continued, 0) == CppTag::Comment);
  CHECK(newline_tag(continued, 1) == CppTag::Code);
  CHECK(letters("/* never closed\n\"x\"") == "ccccccccccccccc\nccc");
}

TEST_CASE("cpp tags: raw strings with prefixes, across lines, with // and quotes inside",
          "[tasks][cpp_tags]") {
  CHECK(letters(R"--(auto r = u8R"x(a)" // ")x"; w = LR"(\n)";)--") ==
        "         sssssssssssssssss      ssssssss ");
  const std::string multi = "x = R\"(line1\n// not a comment\n)\"; y";
  CHECK(letters(multi) == "    ssssssss\nssssssssssssssss\nss   ");
  CHECK(newline_tag(multi, 0) == CppTag::Literal);
  // R followed by a malformed opening (a space in the delimiter) is an ordinary string.
  CHECK(letters(R"(R"a b")") == "ssssss");
}

TEST_CASE("cpp tags: directives from a line-initial #, continuations, comments keep their tag",
          "[tasks][cpp_tags]") {
  const std::string include =
      "#include <a//b.h>\n  # define URL \"http://x\" /* c */ 10\nint y; a # b";
  CHECK(letters(include) ==
        "ppppppppppppppppp\n  ppppppppppppppppppppppppcccccccppp\n            ");
  CHECK(newline_tag(include, 0) == CppTag::Code);

  const std::string two = "#define TWO \\\n  2 // two \\\nstill comment\nx";
  CHECK(letters(two) == "ppppppppppppp\nppppcccccccc\nccccccccccccc\n ");
  CHECK(newline_tag(two, 0) == CppTag::Preprocessor);
  CHECK(newline_tag(two, 1) == CppTag::Comment);
  CHECK(newline_tag(two, 2) == CppTag::Code);

  // A comment before the # leaves it line-initial; a comment spanning lines continues the line.
  CHECK(letters("/* c */ #define Z 1") == "ccccccc ppppppppppp");
  CHECK(letters("#define A /* one\ntwo */ 3\nint z;") ==
        "pppppppppp"
        "cccccc\ncccccc"
        "pp\n      ");
  // A directive's strings are its own text: no // comment inside "http://x".
  CHECK(letters("#error don't\nx") == "pppppppppppp\n ");
}

TEST_CASE("cpp tags: real sources never throw and are tagged plausibly", "[tasks][cpp_tags]") {
  std::vector<std::filesystem::path> files;
  for (const char* dir : {"framework", "layers", "models"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(
             std::filesystem::path(UNROLL_SOURCE_DIR) / dir))
      if (e.path().extension() == ".hpp" || e.path().extension() == ".cpp")
        files.push_back(e.path());
  const std::size_t own = files.size();
  if (std::filesystem::is_directory("/usr/include/xtensor"))
    for (const auto& e : std::filesystem::recursive_directory_iterator("/usr/include/xtensor"))
      if (e.is_regular_file()) files.push_back(e.path());
  REQUIRE(own > 50);

  std::size_t total = 0, comments = 0, code = 0;
  for (const auto& path : files) {
    INFO(path.string());
    const std::string text = slurp(path.string());
    const auto tags = tag_cpp(text);
    REQUIRE(tags.size() == text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      comments += tags[i] == CppTag::Comment;
      code += tags[i] == CppTag::Code;
      const bool starts_run = i == 0 || tags[i - 1] != tags[i];
      if (!starts_run) {
        // A literal never runs past an unescaped newline, unless it is a raw string.
        if (tags[i] == CppTag::Literal && text[i - 1] == '\n' && (i < 2 || text[i - 2] != '\\'))
          CHECK(text.rfind("R\"", i) != std::string::npos);
        continue;
      }
      const std::string_view at = std::string_view(text).substr(i);
      if (tags[i] == CppTag::Comment) CHECK((at.starts_with("//") || at.starts_with("/*")));
      if (tags[i] == CppTag::Preprocessor && (i == 0 || tags[i - 1] == CppTag::Code))
        CHECK(at.starts_with("#"));
      if (tags[i] == CppTag::Number) CHECK((std::isdigit(at[0]) || at[0] == '.'));
    }
    // Every header's #pragma once or include guard is a directive.
    const auto pragma = text.find("#pragma once");
    if (pragma != std::string::npos) CHECK(tags[pragma] == CppTag::Preprocessor);
    total += text.size();
  }
  const double comment_share = static_cast<double>(comments) / static_cast<double>(total);
  const double code_share = static_cast<double>(code) / static_cast<double>(total);
  CHECK(comment_share > 0.05);
  CHECK(comment_share < 0.6);
  CHECK(code_share > 0.3);
}
