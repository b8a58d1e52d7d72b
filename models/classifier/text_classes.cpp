#include "models/classifier/text_classes.hpp"

#include <fmt/format.h>
#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "framework/errors.hpp"
#include "models/text/utf8.hpp"

namespace unroll::classifier {
namespace fs = std::filesystem;
namespace {

// The paths `pattern` names (glob(3)); none when nothing matches.
std::vector<std::string> expand(const std::string& pattern) {
  glob_t found{};
  std::vector<std::string> paths;
  if (::glob(pattern.c_str(), 0, nullptr, &found) == 0)
    for (std::size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
  ::globfree(&found);
  return paths;
}

// The first `n` bytes of a file ("" when unreadable).
std::string head(const fs::path& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return s;
}

// "#!/bin/sh", "#! /bin/bash -e", "#!/usr/bin/env bash": a shell script's first line.
bool has_shell_shebang(const fs::path& path) {
  const std::string first = head(path, 64);
  if (first.rfind("#!", 0) != 0) return false;
  const std::string line = first.substr(0, first.find('\n'));
  for (const char* shell : {"/sh", "/bash", "env sh", "env bash"}) {
    const auto at = line.find(shell);
    if (at == std::string::npos) continue;
    const auto end = at + std::string(shell).size();
    if (end == line.size() || line[end] == ' ' || line[end] == '\r') return true;
  }
  return false;
}

bool matches(const std::string& name, const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    return ::fnmatch(p.c_str(), name.c_str(), 0) == 0;
  });
}

// A folder a search does not enter: hidden ones (.git) and build trees (build, build-asan).
bool skipped_folder(const fs::path& dir) {
  const std::string name = dir.filename().string();
  return name.empty() || name[0] == '.' || name.rfind("build", 0) == 0;
}

// Consecutive sections of about `size` bytes of `path`, each ending at a line break (the last
// one at the end, taking a tail shorter than kMinSnippet along).
std::vector<TextFile> sections(const std::string& path, std::size_t total, std::size_t size) {
  std::vector<TextFile> out;
  const std::string text = head(path, total);
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.size(), start + size);
    if (end < text.size()) {
      const auto newline = text.find('\n', end);
      end = newline == std::string::npos ? text.size() : newline + 1;
    }
    if (text.size() - end < kMinSnippet) end = text.size();  // no tail too short to keep
    out.push_back({path, start, end - start});
    start = end;
  }
  return out;
}

// The candidate regular files of one source (sizes not yet checked).
std::vector<fs::path> candidates(const Source& source) {
  std::vector<fs::path> out;
  for (const std::string& root : expand(source.root)) {
    std::error_code ec;
    if (source.patterns.empty()) {
      if (fs::is_regular_file(root, ec)) out.emplace_back(root);
      continue;
    }
    if (!fs::is_directory(root, ec)) continue;
    const auto options = fs::directory_options::skip_permission_denied;
    if (!source.recursive) {
      for (fs::directory_iterator it(root, options, ec), end; !ec && it != end; it.increment(ec))
        if (matches(it->path().filename().string(), source.patterns)) out.push_back(it->path());
      continue;
    }
    for (fs::recursive_directory_iterator it(root, options, ec), end; !ec && it != end;
         it.increment(ec)) {
      std::error_code type_ec;
      if (it->is_directory(type_ec) && !it->is_symlink(type_ec) && skipped_folder(it->path())) {
        it.disable_recursion_pending();
        continue;
      }
      if (matches(it->path().filename().string(), source.patterns)) out.push_back(it->path());
    }
  }
  return out;
}

}  // namespace

std::size_t FoundClass::bytes() const {
  std::size_t n = 0;
  for (const auto& f : files) n += f.bytes;
  return n;
}

std::size_t ClassText::symbols() const {
  std::size_t n = 0;
  for (const auto& f : files) n += f.size();
  return n;
}

std::vector<Source> cpp_sources(const std::string& repo) {
  const std::vector<std::string> cpp = {"*.cpp", "*.hpp", "*.h"};
  std::vector<Source> sources;
  for (const char* dir :
       {"framework", "layers", "models", "examples", "tests", "bench", "lab", "plot"})
    sources.push_back({repo + "/" + dir, cpp});
  for (const char* dir :
       {"xtensor", "xtl", "xsimd", "fmt", "nlohmann", "CLI", "oneapi/dnnl", "catch2"})
    sources.push_back({std::string("/usr/include/") + dir, cpp});
  return sources;
}

std::vector<ClassSpec> default_classes(const std::string& repo) {
  const std::vector<std::string> cmake = {"CMakeLists.txt", "*.cmake"};
  return {
      {"english",
       {{repo + "/data/tinyshakespeare.txt", {}, true, false, 64 * 1024},
        {"/usr/share/common-licenses", {"*"}, false}}},
      {"cpp", cpp_sources(repo)},
      {"markdown", {{repo, {"*.md"}}, {"/usr/share/doc", {"*.md"}}}},
      {"cmake", {{repo, cmake}, {"/usr/lib/*/cmake", cmake}, {"/usr/share/cmake*", cmake}}},
      {"shell",
       {{repo + "/scripts", {"*"}, true, true},
        {repo + "/.ci/run", {}},
        {"/usr/bin", {"*"}, false, true},
        {"/etc", {"*.sh"}, false},
        {"/etc/profile.d", {"*.sh"}, false}}},
  };
}

std::vector<FoundClass> discover_classes(const std::vector<ClassSpec>& specs) {
  std::vector<FoundClass> found;
  std::set<std::string> names;
  for (const ClassSpec& spec : specs) {
    if (!names.insert(spec.name).second)
      throw ValueError(fmt::format("text classes: the class name '{}' is used twice", spec.name));
    FoundClass c{spec.name, {}};
    std::set<std::string> seen;  // canonical paths: a symlink and its target count once
    for (const Source& source : spec.sources)
      for (const fs::path& path : candidates(source)) {
        std::error_code ec;
        const std::string canonical = fs::canonical(path, ec).string();
        if (ec || !fs::is_regular_file(canonical, ec) || !seen.insert(canonical).second) continue;
        const auto size = static_cast<std::size_t>(fs::file_size(canonical, ec));
        if (ec || size < kMinSnippet) continue;
        if (source.needs_shell_shebang && !has_shell_shebang(canonical)) continue;
        if (source.section_bytes > 0) {
          for (auto& s : sections(path.string(), size, source.section_bytes))
            if (s.bytes >= kMinSnippet) c.files.push_back(std::move(s));
        } else {
          c.files.push_back({path.string(), 0, size});
        }
      }
    std::sort(c.files.begin(), c.files.end(), [](const TextFile& a, const TextFile& b) {
      return std::tie(a.path, a.offset) < std::tie(b.path, b.offset);
    });
    if (c.files.empty()) {
      std::vector<std::string> roots;
      for (const Source& s : spec.sources) roots.push_back(s.root);
      throw ValueError(fmt::format("text classes: class '{}' has no files (looked in {})",
                                   spec.name, fmt::join(roots, ", ")));
    }
    found.push_back(std::move(c));
  }
  return found;
}

std::vector<SplitClass> split_by_file(const std::vector<FoundClass>& found,
                                      double held_out_fraction, std::uint64_t seed) {
  if (!(held_out_fraction > 0.0 && held_out_fraction < 1.0))
    throw ValueError(
        fmt::format("split_by_file: held-out fraction {} is not in (0, 1)", held_out_fraction));
  std::vector<SplitClass> split;
  for (std::size_t c = 0; c < found.size(); ++c) {
    const auto& files = found[c].files;
    if (files.size() < 2)
      throw ValueError(
          fmt::format("split_by_file: class '{}' has {} file; training and held-out need one each",
                      found[c].name, files.size()));
    std::vector<TextFile> order = files;
    std::mt19937_64 rng(seed * 1000003 + c);
    std::shuffle(order.begin(), order.end(), rng);
    const auto want =
        static_cast<std::size_t>(std::ceil(held_out_fraction * static_cast<double>(order.size())));
    const std::size_t held = std::clamp<std::size_t>(want, 1, order.size() - 1);
    split.push_back({found[c].name,
                     {order.begin() + static_cast<std::ptrdiff_t>(held), order.end()},
                     {order.begin(), order.begin() + static_cast<std::ptrdiff_t>(held)}});
  }
  return split;
}

std::vector<ClassText> load_texts(const std::vector<SplitClass>& split, bool held_out,
                                  std::size_t budget_bytes) {
  std::vector<ClassText> texts;
  for (const SplitClass& c : split) {
    ClassText t{c.name, {}};
    std::size_t read = 0;
    for (const TextFile& f : held_out ? c.held_out : c.train) {
      if (read >= budget_bytes && !t.files.empty()) break;
      std::ifstream in(f.path, std::ios::binary);
      std::string bytes(f.bytes, '\0');
      in.seekg(static_cast<std::streamoff>(f.offset));
      if (!in.read(bytes.data(), static_cast<std::streamsize>(f.bytes))) continue;
      try {
        std::u32string text = decode_utf8(bytes);
        if (text.size() < kMinSnippet) continue;
        read += f.bytes;
        t.files.push_back(std::move(text));
      } catch (const ValueError&) {
        continue;  // not UTF-8 text: not a snippet source
      }
    }
    if (t.files.empty())
      throw ValueError(fmt::format("text classes: none of class '{}''s {} files could be read",
                                   c.name, held_out ? "held-out" : "training"));
    texts.push_back(std::move(t));
  }
  return texts;
}

Snippet draw_snippet_of(const std::vector<ClassText>& classes, std::size_t label,
                        std::mt19937_64& rng, std::size_t min_length, std::size_t max_length) {
  const ClassText& c = classes.at(label);
  std::size_t target = std::uniform_int_distribution<std::size_t>(0, c.symbols() - 1)(rng);
  std::size_t f = 0;
  while (target >= c.files[f].size()) target -= c.files[f++].size();
  const std::u32string& text = c.files[f];
  const std::size_t length = std::min(
      text.size(), std::uniform_int_distribution<std::size_t>(min_length, max_length)(rng));
  const std::size_t start =
      std::uniform_int_distribution<std::size_t>(0, text.size() - length)(rng);
  return {text.substr(start, length), label};
}

Snippet draw_snippet(const std::vector<ClassText>& classes, std::mt19937_64& rng,
                     std::size_t min_length, std::size_t max_length) {
  const std::size_t label = std::uniform_int_distribution<std::size_t>(0, classes.size() - 1)(rng);
  return draw_snippet_of(classes, label, rng, min_length, max_length);
}

Vocabulary frequent_symbols(const std::vector<ClassText>& texts, std::size_t min_count) {
  std::map<char32_t, std::size_t> counts;
  for (const ClassText& c : texts)
    for (const std::u32string& f : c.files)
      for (char32_t s : f) ++counts[s];
  std::u32string symbols;
  for (const auto& [symbol, count] : counts)
    if (count >= min_count) symbols += symbol;
  if (symbols.empty())
    throw ValueError(fmt::format("frequent_symbols: no symbol occurs {} times", min_count));
  return Vocabulary(symbols);
}

std::string describe(const std::vector<FoundClass>& found) {
  std::vector<std::string> parts;
  for (const auto& c : found)
    parts.push_back(fmt::format("{}: {} files, {:.1f} MB", c.name, c.files.size(),
                                static_cast<double>(c.bytes()) / 1e6));
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace unroll::classifier
