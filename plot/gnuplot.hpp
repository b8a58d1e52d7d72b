// Talking to gnuplot safely: text quoted so that gnuplot reads it back verbatim, and gnuplot run
// as a child process without a shell.
#pragma once

#include <string>
#include <string_view>

namespace unroll::plot {

// A gnuplot string expression whose value is exactly `text`: single-quoted, where gnuplot
// performs no backslash escapes, no backquote command substitution and no macro expansion (a
// quote is doubled); a newline becomes a concatenated "\n", other control characters spaces.
std::string quote(std::string_view text);

// Runs `gnuplot --default-settings` (found on PATH, no shell, ~/.gnuplot not read) on `script`,
// its standard output written to `output_fd`. Throws PlotError when gnuplot is not installed,
// exits non-zero or prints anything on stderr (our scripts are warning-free, so a warning means
// a picture gnuplot had to guess at); the message carries gnuplot's own.
void run_gnuplot(std::string_view script, int output_fd);

}  // namespace unroll::plot
