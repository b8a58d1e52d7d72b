// libFuzzer target for the checkpoint metadata a charlm model is rebuilt from
// (CharLMConfig::from_metadata: numbers, flags, the vocabulary's JSON). The input is the
// __metadata__ map, one "key=value" line per entry. from_metadata either refuses it with a
// ValueError or returns a valid config that survives to_metadata and back; and what it accepts is
// what its header promises — whole numbers written in digits, a dropout that is one number and
// nothing after it. Anything else — another exception, a crash, a sanitizer report — is a finding.
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "framework/errors.hpp"
#include "models/char_lm/config.hpp"

using namespace unroll;
using Metadata = std::map<std::string, std::string>;

namespace {

Metadata metadata_from(std::string_view input) {
  Metadata m;
  while (!input.empty()) {
    const auto end = input.find('\n');
    const auto line = input.substr(0, end);
    const auto eq = line.find('=');
    m[std::string(line.substr(0, eq))] =
        eq == line.npos ? std::string() : std::string(line.substr(eq + 1));
    input.remove_prefix(end == input.npos ? input.size() : end + 1);
  }
  return m;
}

// A size: decimal digits only, at most 999,999,999.
bool whole_number(const std::string& s, std::size_t value) {
  if (s.empty()) return false;
  unsigned __int128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > 999'999'999) return false;
  }
  return v == value;
}

// One number, all of the text.
bool one_number(const std::string& s, double value) {
  char* end = nullptr;
  errno = 0;
  const double parsed = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size() && errno == 0 && parsed == value;
}

void check_accepted(const Metadata& m, const CharLMConfig& c) {
  c.validate();
  const std::pair<const char*, std::size_t> sizes[] = {{"layers", c.layers},
                                                       {"hidden", c.hidden},
                                                       {"embed", c.embed},
                                                       {"temporal_skip", c.temporal_skip}};
  for (const auto& [key, value] : sizes)
    if (m.count(key) && !whole_number(m.at(key), value)) std::abort();
  if (m.count("dropout") && !one_number(m.at("dropout"), c.dropout)) std::abort();
  const auto again = CharLMConfig::from_metadata(c.to_metadata());
  if (again.to_metadata() != c.to_metadata()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Metadata m = metadata_from({reinterpret_cast<const char*>(data), size});
  CharLMConfig config;
  try {
    config = CharLMConfig::from_metadata(m);
  } catch (const ValueError&) {
    return 0;
  }
  check_accepted(m, config);
  return 0;
}
