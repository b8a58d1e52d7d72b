#include "models/text/corpus.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "framework/errors.hpp"
#include "models/text/utf8.hpp"

namespace unroll {

std::u32string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ValueError(fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw ValueError(fmt::format("cannot read '{}': read error", path));
  const std::string data = bytes.str();
  if (data.empty())
    throw ValueError(fmt::format("'{}' is empty: there is no text to learn from", path));
  try {
    return decode_utf8(data);
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("'{}': {}", path, e.what()));
  }
}

Corpus split_corpus(std::u32string text, double val_fraction) {
  if (!(val_fraction >= 0.0 && val_fraction < 1.0))
    throw ValueError(fmt::format("validation fraction {} is not in [0, 1)", val_fraction));
  const auto n_val = static_cast<std::size_t>(val_fraction * static_cast<double>(text.size()));
  Corpus c;
  c.validation = text.substr(text.size() - n_val);
  text.resize(text.size() - n_val);
  c.train = std::move(text);
  return c;
}

}  // namespace unroll
