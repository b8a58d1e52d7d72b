#include "models/image/ascii_art.hpp"

#include <algorithm>
#include <string_view>
#include <vector>

#include "models/text/utf8.hpp"

namespace unroll {

namespace {

// The lines of `text`, without their '\n' (a last line without one counts).
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string ascii_art(const GrayImage& image) {
  static constexpr std::string_view ramp = " .:-=+*#%@";
  std::string out;
  for (std::size_t r = 0; r < image.height; ++r) {
    for (std::size_t c = 0; c < image.width; ++c) {
      const std::size_t level = (9 * std::size_t{image.at(r, c)} * 2 + image.maxval) /
                                (2 * std::size_t{image.maxval});  // round(9 v / maxval)
      out.append(2, ramp[std::min<std::size_t>(level, 9)]);
    }
    out += '\n';
  }
  return out;
}

std::string beside(const std::string& left, const std::string& right, std::size_t gap) {
  const auto l = lines_of(left), r = lines_of(right);
  std::vector<std::size_t> widths;
  for (const auto& line : l) widths.push_back(decode_utf8(line).size());
  const std::size_t width = widths.empty() ? 0 : *std::max_element(widths.begin(), widths.end());
  std::string out;
  for (std::size_t i = 0; i < std::max(l.size(), r.size()); ++i) {
    const std::size_t w = i < l.size() ? widths[i] : 0;
    out +=
        (i < l.size() ? l[i] : "") + std::string(width - w + gap, ' ') + (i < r.size() ? r[i] : "");
    while (!out.empty() && out.back() == ' ') out.pop_back();
    out += '\n';
  }
  return out;
}

}  // namespace unroll
