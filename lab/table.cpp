#include "lab/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "framework/errors.hpp"

namespace unroll::lab {
namespace {

std::string quoted(const std::string& cell) {
  if (cell.find_first_of(",\"\n\r") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

void Table::add(const Row& row) {
  if (columns_.empty())
    for (const auto& [column, value] : row) columns_.push_back(column);
  if (row.size() != columns_.size())
    throw ValueError(fmt::format("results table: a row of {} cells for {} columns", row.size(),
                                 columns_.size()));
  std::vector<std::string> cells;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i].first != columns_[i])
      throw ValueError(fmt::format("results table: column {} is '{}', the row gives '{}'", i,
                                   columns_[i], row[i].first));
    cells.push_back(row[i].second);
  }
  rows_.push_back(std::move(cells));
}

std::size_t Table::index_of(const std::string& column) const {
  const auto it = std::find(columns_.begin(), columns_.end(), column);
  if (it == columns_.end()) throw ValueError(fmt::format("results table: no column '{}'", column));
  return static_cast<std::size_t>(it - columns_.begin());
}

const std::string& Table::at(std::size_t row, const std::string& column) const {
  return rows_.at(row)[index_of(column)];
}

double Table::number_at(std::size_t row, const std::string& column) const {
  const std::string& text = at(row, column);
  if (text == "nan") return NAN;
  if (text == "inf") return INFINITY;
  if (text == "-inf") return -INFINITY;
  double value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size())
    throw ValueError(
        fmt::format("results table: row {} column '{}' = '{}' is not a number", row, column, text));
  return value;
}

Table Table::select(const std::map<std::string, std::string>& match) const {
  std::vector<std::pair<std::size_t, std::string>> wanted;
  for (const auto& [column, value] : match) wanted.emplace_back(index_of(column), value);
  Table out(columns_);
  for (const auto& cells : rows_)
    if (std::all_of(wanted.begin(), wanted.end(),
                    [&](const auto& w) { return cells[w.first] == w.second; }))
      out.rows_.push_back(cells);
  return out;
}

std::vector<std::string> Table::distinct(const std::string& column) const {
  const std::size_t i = index_of(column);
  std::vector<std::string> out;
  for (const auto& cells : rows_)
    if (std::find(out.begin(), out.end(), cells[i]) == out.end()) out.push_back(cells[i]);
  return out;
}

std::string Table::csv() const {
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += quoted(cells[i]);
    }
    out += "\n";
  };
  line(columns_);
  for (const auto& cells : rows_) line(cells);
  return out;
}

Table Table::parse_csv(const std::string& text) {
  if (text.empty()) return {};
  std::vector<std::vector<std::string>> lines(1, std::vector<std::string>(1));
  bool in_quotes = false;
  std::size_t line_number = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    std::string& cell = lines.back().back();
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"', ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        line_number += c == '\n';
        cell += c;
      }
    } else if (c == '"') {
      in_quotes = true;
    } else if (c == ',') {
      lines.back().emplace_back();
    } else if (c == '\n') {
      ++line_number;
      if (i + 1 < text.size()) lines.emplace_back(1);
    } else if (c != '\r') {
      cell += c;
    }
  }
  if (in_quotes)
    throw ValueError(
        fmt::format("results CSV: a quote opened before line {} is never closed", line_number));
  Table table(lines.front());
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].size() != table.columns_.size())
      throw ValueError(fmt::format("results CSV: line {} has {} cells, the header {}", i + 1,
                                   lines[i].size(), table.columns_.size()));
    table.rows_.push_back(std::move(lines[i]));
  }
  return table;
}

}  // namespace unroll::lab
