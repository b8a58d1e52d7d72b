// The status of a training run: one line rewritten in place on a terminal, or a line every N
// steps (and the last) when the output is piped or a file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace unroll::training {

struct Status {
  std::int64_t step = 0;
  std::int64_t total = 0;  // 0: no step budget
  double loss = 0;
  std::string validation;  // "-" before the first
  double tokens_per_s = 0;
  double grad_norm = 0;
  double remaining_s = 0;
  std::int64_t skipped = 0;  // shown when > 0
  std::string threads;       // shown when not empty: "2 threads (auto)"
};

// "step 10/100  loss 2.1234  val 2.2000  5321 tok/s  |g| 1.23  ETA 0m04s[  skipped 2][  2 threads
// (auto)]"
std::string status_line(const Status& status);
// "4m05s", or "1h02m" from an hour on.
std::string format_duration(double seconds);

class Progress {
 public:
  // Live (rewritten) when `out` is a terminal and `live_allowed`; otherwise every `piped_every`
  // steps. (Under mpirun a rank's stdout is a pseudo-terminal whatever mpirun's own output is —
  // a file, a pipe — so the loop allows a live line on one process only.)
  Progress(std::FILE* out, std::int64_t piped_every, bool live_allowed = true);
  // Shows `status` if its step is due, or always when `last`.
  void update(const Status& status, bool last);
  // Prints `text` (and a newline) below the status line.
  void note(const std::string& text);
  // Ends a live line; call before printing anything else.
  void finish();

 private:
  std::FILE* out_;
  bool live_;
  bool open_ = false;  // a live line is on screen without its newline
  std::int64_t every_;
};

}  // namespace unroll::training
