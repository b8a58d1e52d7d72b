// A results table: named columns and rows of text cells, written and read as CSV (RFC 4180).
// Numbers are written in their shortest exact form, so a rerun that computes the same values
// writes the same file, byte for byte.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace unroll::lab {

// One row, its cells in column order: {{"cell", "lstm"}, {"distance", "3"}, …}.
using Row = std::vector<std::pair<std::string, std::string>>;

// The shortest text that reads back as exactly `value` ("0.5", "1e-07", "nan", "inf").
std::string number(double value);

class Table {
 public:
  Table() = default;
  explicit Table(std::vector<std::string> columns) : columns_(std::move(columns)) {}

  // Appends a row; a table without columns takes the first row's. ValueError naming the column
  // when the row's columns are not the table's, in its order.
  void add(const Row& row);

  const std::vector<std::string>& columns() const { return columns_; }
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  // The cell of `row` in `column`; ValueError naming an unknown column.
  const std::string& at(std::size_t row, const std::string& column) const;
  // The same, read as a number; ValueError naming the cell when it is not one.
  double number_at(std::size_t row, const std::string& column) const;
  // The rows whose cells equal every (column, value) of `match`.
  Table select(const std::map<std::string, std::string>& match) const;
  // The distinct values of `column`, in the order they first appear.
  std::vector<std::string> distinct(const std::string& column) const;

  std::string csv() const;
  // ValueError naming the line for a malformed text (a row of another width, an open quote).
  static Table parse_csv(const std::string& text);

 private:
  std::size_t index_of(const std::string& column) const;

  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace unroll::lab
