// What the lab's tests check of every experiment: a run at --quick into a folder, and the
// figures its report shows.
#pragma once

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "lab/runner.hpp"

namespace unroll::testing {

inline lab::RunSummary run_quick(const lab::Experiment& e, const std::string& folder,
                                 const std::u32string* text = nullptr) {
  std::FILE* sink = std::fopen("/dev/null", "w");
  const auto summary = lab::run_experiment(e, {lab::Scale::Quick, 1, folder, sink, text});
  std::fclose(sink);
  return summary;
}

// The figures report.md shows (name without extension), each checked to exist as a PNG and as
// an SVG; returns the SVGs' text.
inline std::vector<std::string> report_figures(const std::string& folder) {
  const std::string report = lab::slurp(folder + "/report.md");
  std::vector<std::string> svgs;
  for (auto at = report.find("](", 0); at != std::string::npos; at = report.find("](", at + 2)) {
    const auto end = report.find(')', at);
    const std::string target = report.substr(at + 2, end - at - 2);
    if (target.size() < 4 || target.substr(target.size() - 4) != ".png") continue;
    const std::string base = folder + "/" + target.substr(0, target.size() - 4);
    INFO(base);
    CHECK(std::filesystem::file_size(base + ".png") > 1000);
    svgs.push_back(lab::slurp(base + ".svg"));
    CHECK_THAT(svgs.back(), Catch::Contains("<svg"));
  }
  return svgs;
}

}  // namespace unroll::testing
