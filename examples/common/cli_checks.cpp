#include "examples/common/cli_checks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace unroll::cli {

CLI::Validator number_in(double min, double max, std::string description, std::string what) {
  return {[min, max, what](std::string& input) -> std::string {
            double value = 0;
            if (CLI::detail::lexical_cast(input, value) && value >= min && value <= max) return {};
            return fmt::format("{} is not {}", input, what);
          },
          std::move(description)};
}

CLI::Validator positive() {
  return number_in(std::numeric_limits<double>::min(), std::numeric_limits<double>::max(),
                   "POSITIVE", "a positive number");
}

CLI::Validator non_negative() {
  return number_in(0, std::numeric_limits<double>::max(), "NONNEGATIVE", "a number ≥ 0");
}

CLI::Validator fraction() { return number_in(0, 0.99, "FLOAT in [0 - 0.99]", "in [0, 0.99]"); }

CLI::Validator auto_or_count() {
  return {[](std::string& value) -> std::string {
            if (value == "auto") return {};
            if (!value.empty() && value.size() < 5 &&
                value.find_first_not_of("0123456789") == std::string::npos && std::stoi(value) > 0)
              return {};
            return "'" + value + "' is neither auto nor a positive number of threads";
          },
          "auto|N"};
}

const std::string& threads_help() {
  static const std::string help =
      "threads for GEMMs and elementwise kernels: auto times the work on one thread and on every "
      "core and keeps the faster (again when its speed changes; the status line shows the "
      "choice), N forces N. Results are the same either way";
  return help;
}

void check_command(int argc, const char* const* argv, const std::vector<std::string>& commands) {
  const std::string first = argc > 1 ? argv[1] : "";
  if (first.empty() || first[0] == '-' ||
      std::find(commands.begin(), commands.end(), first) != commands.end())
    return;
  std::string expected;
  for (std::size_t i = 0; i < commands.size(); ++i)
    expected += (i == 0 ? "" : i + 1 == commands.size() ? " or " : ", ") + commands[i];
  throw CLI::ParseError(fmt::format("unknown command '{}': expected {}", first, expected),
                        CLI::ExitCodes::ExtrasError);
}

}  // namespace unroll::cli
