#include "lab/report.hpp"

#include <fmt/format.h>

#include "framework/io/atomic_file.hpp"

namespace unroll::lab {

Report::Report(std::string title, std::string folder)
    : title_(std::move(title)), folder_(std::move(folder)) {}

std::string Report::figure_path(const std::string& name) const { return folder_ + "/" + name; }

void Report::heading(const std::string& text) { body_ += fmt::format("\n## {}\n\n", text); }

void Report::paragraph(const std::string& text) { body_ += text + "\n\n"; }

void Report::table(const std::vector<std::string>& header,
                   const std::vector<std::vector<std::string>>& rows) {
  auto line = [&](const std::vector<std::string>& cells) {
    body_ += "|";
    for (const auto& c : cells) body_ += " " + c + " |";
    body_ += "\n";
  };
  line(header);
  body_ += "|";
  for (std::size_t i = 0; i < header.size(); ++i) body_ += i == 0 ? "---|" : "---:|";
  body_ += "\n";
  for (const auto& r : rows) line(r);
  body_ += "\n";
}

void Report::figure(const std::string& name, const std::string& caption) {
  body_ += fmt::format("[![{0}]({1}.png)]({1}.svg)\n\n*{0}*\n\n", caption, name);
}

void Report::finding(const std::string& claim, const std::string& source, bool confirmed,
                     const std::string& evidence) {
  ++(confirmed ? confirmed_ : not_confirmed_);
  body_ += fmt::format("- **{}** — {} ({}). {}\n", confirmed ? "Confirmed" : "Not confirmed", claim,
                       source, evidence);
}

std::string Report::markdown() const { return fmt::format("# {}\n{}", title_, body_); }

void Report::write() const {
  io::write_file_atomically(folder_ + "/report.md", markdown(), "lab report");
}

}  // namespace unroll::lab
