// The tagger's data: C and C++ files (the checkout's sources and the dependencies' headers, as
// classify's cpp class finds them), split into training and held-out BY FILE, each character
// tagged by the lexer of models/tasks/cpp_tags; training windows drawn from them.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "framework/tensor.hpp"
#include "models/tagger/config.hpp"
#include "models/tasks/cpp_tags.hpp"

namespace unroll::tagger {

// A text and one tag per code point (the tag of its first UTF-8 byte).
struct TaggedText {
  std::u32string text;
  std::vector<tasks::CppTag> tags;
};

// `text` tagged by tasks::tag_cpp.
TaggedText tag_text(const std::u32string& text);

struct TaggedFiles {
  std::vector<TaggedText> train, held_out;
  std::size_t train_files = 0, held_out_files = 0;  // files found on each side (before budgets)
};

// The C/C++ files under `root` and the system's headers, split with `seed` (a `held_out_fraction`
// of the files held out), read until the byte budgets, tagged. ValueError when `root` is not a
// folder or no file is found.
TaggedFiles load_tagged_files(const std::string& root, std::uint64_t seed, double held_out_fraction,
                              std::size_t train_bytes, std::size_t held_out_bytes);

// Symbols of the training texts occurring at least min_count times (the others read as <unk>).
Vocabulary frequent_symbols(const std::vector<TaggedText>& texts, std::size_t min_count);

struct WindowBatch {
  IndexArray ids;                    // [B, T], padding id 0
  IndexArray tags;                   // [B, T], padding tag 0 (masked by lengths)
  std::vector<std::size_t> lengths;  // [B], each in [1, T]
};

// `batch` windows of `window` code points (a shorter file gives its whole text), each from a file
// drawn with probability ∝ its length, at a uniform start; T = window rounded up to a multiple of
// 32 (the caching allocator reuses blocks of a few shapes).
WindowBatch draw_windows(const std::vector<TaggedText>& files, const TaggerConfig& config,
                         std::size_t batch, std::size_t window, std::mt19937_64& rng);

// The batch of `pieces` (none empty) with their tags, T the longest rounded up to 32.
WindowBatch make_batch(const std::vector<std::u32string>& pieces,
                       const std::vector<std::vector<tasks::CppTag>>& tags,
                       const TaggerConfig& config);

}  // namespace unroll::tagger
