// Writing a plot as SVG and PNG, both or neither.
#pragma once

#include <filesystem>
#include <string_view>

namespace unroll::plot {

// The picture's size in pixels (the SVG's nominal size, the PNG's exact one).
struct Size {
  int width = 800;
  int height = 500;
};

// Renders `body` (gnuplot commands after the terminal is set) to `base`.svg and `base`.png:
// each is written to a temporary ".<name>.tmp.<pid>.<hex>" in the same folder, synced, and
// renamed over its target only when both rendered, so a failure leaves neither file half-written
// nor any temporary behind. Throws PlotError when the folder is missing or gnuplot fails.
void write_svg_and_png(const std::filesystem::path& base, Size size, std::string_view body);

}  // namespace unroll::plot
