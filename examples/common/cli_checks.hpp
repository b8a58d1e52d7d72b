// Command-line checks every example program shares (CLI11 validators), so charlm and classify
// refuse the same inputs with the same words.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace unroll::cli {

// A number in [min, max], `description` in the help, "INPUT is not `what`" when refused.
// CLI::Range compares with < and >, which NaN passes (CLI11 2.1): this one refuses NaN too.
CLI::Validator number_in(double min, double max, std::string description, std::string what);
// > 0.
CLI::Validator positive();
// ≥ 0; also what keeps an unsigned option from taking "-1" as 2^64 − 1, as CLI11 2.1 converts it.
CLI::Validator non_negative();
// In [0, 0.99].
CLI::Validator fraction();
// "auto" or a positive count below 10000: the --threads option.
CLI::Validator auto_or_count();
// The --threads option's help.
const std::string& threads_help();
// Before CLI11 parses: CLI::ParseError "unknown command 'X': expected a, b or c" when argv[1] is
// a word that is none of `commands` (CLI11 alone would say "The following arguments were not
// expected"). An option first (--help) or no argument passes.
void check_command(int argc, const char* const* argv, const std::vector<std::string>& commands);

}  // namespace unroll::cli
