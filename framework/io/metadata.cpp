#include "framework/io/metadata.hpp"

#include <fmt/format.h>

#include <exception>
#include <stdexcept>

#include "framework/errors.hpp"

namespace unroll::io {

const std::string& required(const Metadata& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end())
    throw ValueError(fmt::format("checkpoint metadata: required key '{}' is missing", key));
  return it->second;
}

std::size_t whole_number(const std::string& key, const std::string& value) {
  if (value.empty() || value.find_first_not_of("0123456789") != value.npos)
    throw ValueError(
        fmt::format("checkpoint metadata: '{}' = '{}' is not a whole number", key, value));
  if (value.size() > 9)
    throw ValueError(
        fmt::format("checkpoint metadata: '{}' = '{}' is above 999,999,999", key, value));
  return std::stoull(value);
}

double number(const std::string& key, const std::string& value) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != value.size())
    throw ValueError(fmt::format("checkpoint metadata: '{}' = '{}' is not a number", key, value));
  return v;
}

bool flag(const std::string& key, const std::string& value) {
  if (value != "true" && value != "false")
    throw ValueError(
        fmt::format("checkpoint metadata: '{}' = '{}' is not true or false", key, value));
  return value == "true";
}

std::uint64_t seed(const Metadata& m, const std::string& path) {
  const auto it = m.find("seed");
  const bool digits = it != m.end() && !it->second.empty() && it->second.size() <= 20 &&
                      it->second.find_first_not_of("0123456789") == std::string::npos;
  try {
    if (digits) return std::stoull(it->second);
  } catch (const std::out_of_range&) {
  }
  throw ValueError(
      fmt::format("checkpoint '{}': metadata 'seed' is missing or not a number", path));
}

void require_program(const Metadata& m, const std::string& program) {
  const auto it = m.find("program");
  if (it == m.end() || it->second != program)
    throw ValueError(fmt::format("its metadata names program '{}', not '{}'",
                                 it == m.end() ? "none" : it->second, program));
}

}  // namespace unroll::io
