// An experiment's report.md: the question, the setup, tables, figures and findings, each finding
// computed from the results and set beside the direction the literature reports.
#pragma once

#include <string>
#include <vector>

namespace unroll::lab {

class Report {
 public:
  // A report written into `folder` (its figures too).
  Report(std::string title, std::string folder);

  const std::string& folder() const { return folder_; }
  // "<folder>/<name>": where a figure's files go (name without extension).
  std::string figure_path(const std::string& name) const;

  void heading(const std::string& text);
  void paragraph(const std::string& text);
  void table(const std::vector<std::string>& header,
             const std::vector<std::vector<std::string>>& rows);
  // Shows <name>.png, linking <name>.svg, both already written into the folder.
  void figure(const std::string& name, const std::string& caption);
  // A finding: the claim as the literature states it (with its source), whether this run
  // confirmed it, and the numbers that decide it.
  void finding(const std::string& claim, const std::string& source, bool confirmed,
               const std::string& evidence);

  std::size_t confirmed() const { return confirmed_; }
  std::size_t not_confirmed() const { return not_confirmed_; }
  std::string markdown() const;
  // Writes <folder>/report.md atomically.
  void write() const;

 private:
  std::string title_, folder_, body_;
  std::size_t confirmed_ = 0, not_confirmed_ = 0;
};

}  // namespace unroll::lab
