#include "plot/style.hpp"

#include <fmt/format.h>

#include <array>

#include "plot/gnuplot.hpp"

namespace unroll::plot {

namespace {

constexpr std::array<const char*, 10> kColours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                  "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                  "#bcbd22", "#17becf"};
// Filled circle, square, triangle, inverted triangle, diamond, pentagon, then open ones.
constexpr std::array<int, 10> kMarkers = {7, 5, 9, 11, 13, 15, 6, 4, 8, 12};

}  // namespace

std::string frame_commands(const Frame& frame, bool log_y) {
  std::string s = "set encoding utf8\n";
  s += fmt::format("set title {} noenhanced font ',13'\n", quote(frame.title));
  s += fmt::format("set xlabel {} noenhanced\n", quote(frame.x_label));
  s += fmt::format("set ylabel {} noenhanced\n", quote(frame.y_label));
  s += "set border 31 lc rgb '#606060'\n";
  s += "set tics nomirror out scale 0.6\n";
  s += log_y ? "set mytics 10\nset grid xtics ytics mytics lt 1 lc rgb '#d8d8d8', lt 1 lc rgb "
               "'#f0f0f0'\n"
             : "set grid xtics ytics lt 1 lc rgb '#d8d8d8'\n";
  s += "set key outside right top vertical Left reverse samplen 2.5 spacing 1.3\n";
  return s;
}

std::string series_style(std::size_t index, bool markers) {
  const std::size_t k = index % kColours.size();
  const std::size_t dash = 1 + index / kColours.size();
  std::string style = fmt::format("lc rgb '{}' lw 2 dt {}", kColours[k], dash);
  if (markers) style += fmt::format(" pt {} ps 1.1", kMarkers[k]);
  return style;
}

std::string palette_commands() {
  return "set palette defined (0 '#440154', 1 '#414487', 2 '#2a788e', 3 '#22a884', "
         "4 '#7ad151', 5 '#fde725')\n";
}

std::string number(double value) { return fmt::format("{}", value); }

}  // namespace unroll::plot
