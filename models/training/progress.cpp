#include "models/training/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace unroll::training {

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(std::max(0.0, seconds));  // a budget overshot: 0m00s
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60)
                   : fmt::format("{}m{:02}s", s / 60, s % 60);
}

std::string status_line(const Status& s) {
  std::string line =
      fmt::format("step {}{}  loss {:.4f}  val {}  {:.0f} tok/s  |g| {:.2f}  ETA {}", s.step,
                  s.total > 0 ? fmt::format("/{}", s.total) : "", s.loss, s.validation,
                  s.tokens_per_s, s.grad_norm, format_duration(s.remaining_s));
  if (s.skipped > 0) line += fmt::format("  skipped {}", s.skipped);
  if (!s.threads.empty()) line += "  " + s.threads;
  return line;
}

Progress::Progress(std::FILE* out, std::int64_t piped_every, bool live_allowed)
    : out_(out), live_(live_allowed && isatty(fileno(out)) != 0), every_(live_ ? 1 : piped_every) {}

void Progress::update(const Status& status, bool last) {
  if (!last && status.step % every_ != 0) return;
  if (live_) {
    fmt::print(out_, "\r\033[K{}", status_line(status));
    open_ = true;
  } else {
    fmt::print(out_, "{}\n", status_line(status));
  }
  std::fflush(out_);
}

void Progress::note(const std::string& text) {
  finish();
  fmt::print(out_, "{}\n", text);
  std::fflush(out_);
}

void Progress::finish() {
  if (open_) fmt::print(out_, "\n");
  open_ = false;
  std::fflush(out_);
}

}  // namespace unroll::training
