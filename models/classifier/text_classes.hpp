// The classifier's data: kinds of text every checkout and every machine with the project's
// dependencies holds (English, C++, Markdown, CMake, shell), found as files, split into training
// and held-out BY FILE, and drawn from as snippets of random length.
//
//   discover_classes(specs)          → every class's files (missing directories skipped)
//   split_by_file(found, fraction)   → each class's files in train or held-out, seeded
//   load_texts(split, budget)        → the decoded text of each side, up to a byte budget
//   draw_snippet(texts, rng, ...)    → a class and a piece of one of its texts
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "models/text/vocabulary.hpp"

namespace unroll::classifier {

// Where one class's files are: folders searched recursively for names matching one of the
// patterns (fnmatch syntax, "*.hpp"), or files named directly.
struct Source {
  std::string root;  // a folder, or a file when patterns is empty; may hold glob(3) wildcards
  std::vector<std::string> patterns;  // file-name patterns; empty: root is a file
  bool recursive = true;              // also search the folders below (not hidden, not build*)
  bool needs_shell_shebang = false;   // keep only files starting "#!" naming sh or bash
  // > 0: cut each file into consecutive sections of this many bytes (at a line break), each a
  // "file" of its own for the split — for a corpus that is a single large file.
  std::size_t section_bytes = 0;
};

struct ClassSpec {
  std::string name;
  std::vector<Source> sources;
};

// A piece of text treated as one file: a whole file, or a section of one (path#k).
struct TextFile {
  std::string path;
  std::size_t offset = 0, bytes = 0;
};

struct FoundClass {
  std::string name;
  std::vector<TextFile> files;  // sorted by path, then offset; no duplicates
  std::size_t bytes() const;
};

// The C and C++ sources of the checkout at `repo` (framework, layers, models, examples, tests,
// bench, lab, plot) and the headers of the dependencies under /usr/include (xtensor, xtl, xsimd,
// fmt, nlohmann, CLI, oneapi/dnnl, catch2): the cpp class, and the tagger's data.
std::vector<Source> cpp_sources(const std::string& repo);

// The five default classes — english, cpp, markdown, cmake, shell — from the checkout at `repo`
// (data/tinyshakespeare.txt in 64 KB sections, its sources, *.md, CMake files, scripts/ and
// .ci/run) and the system: the headers of the dependencies under /usr/include, /usr/share/doc's
// *.md, /usr/share/common-licenses, /usr/lib/*/cmake and /usr/share/cmake*, /usr/bin's and /etc's
// sh and bash scripts.
std::vector<ClassSpec> default_classes(const std::string& repo);

// The files of each class. Missing or unreadable folders and files are skipped, as are files
// shorter than kMinSnippet bytes. ValueError naming the class (and where it looked) when a class
// has no file, or when two classes share a name.
std::vector<FoundClass> discover_classes(const std::vector<ClassSpec>& specs);

struct SplitClass {
  std::string name;
  std::vector<TextFile> train, held_out;
};

// Each class's files shuffled with `seed`, the first ⌈held_out_fraction · n⌉ (at least one, and
// never all) held out. Deterministic: the same files and seed give the same split. ValueError for
// a class of a single file or a fraction outside (0, 1).
std::vector<SplitClass> split_by_file(const std::vector<FoundClass>& found,
                                      double held_out_fraction, std::uint64_t seed);

// One class's decoded text (Unicode code points), one entry per file.
struct ClassText {
  std::string name;
  std::vector<std::u32string> files;
  std::size_t symbols() const;  // code points in all files
};

// The text of every class's train (held_out = false) or held-out files, reading files in the
// split's order until `budget_bytes` per class are read (the first file is always read). Files
// that are not valid UTF-8 are skipped. ValueError naming the class when none could be read.
std::vector<ClassText> load_texts(const std::vector<SplitClass>& split, bool held_out,
                                  std::size_t budget_bytes);

constexpr std::size_t kMinSnippet = 16, kMaxSnippet = 256;

struct Snippet {
  std::u32string text;
  std::size_t label = 0;  // index into the classes
};

// A snippet: class c uniform, a file of c with probability ∝ its length, a length uniform in
// [min_length, max_length] (shortened to the file's length when the file is shorter), a start
// uniform over the positions where it fits. Classes and files must hold at least min_length
// symbols (load_texts' files do, at kMinSnippet).
Snippet draw_snippet(const std::vector<ClassText>& classes, std::mt19937_64& rng,
                     std::size_t min_length = kMinSnippet, std::size_t max_length = kMaxSnippet);

// As draw_snippet, of class `label`.
Snippet draw_snippet_of(const std::vector<ClassText>& classes, std::size_t label,
                        std::mt19937_64& rng, std::size_t min_length, std::size_t max_length);

// The symbols that occur at least `min_count` times in the texts, sorted by code point (rarer
// ones are read as <unk>, so <unk> is trained too). ValueError when none does.
Vocabulary frequent_symbols(const std::vector<ClassText>& texts, std::size_t min_count);

// "english: 35 files, 1.1 MB; cpp: …" — what discovery found.
std::string describe(const std::vector<FoundClass>& found);

}  // namespace unroll::classifier
