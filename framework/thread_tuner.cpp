#include "framework/thread_tuner.hpp"

#include <fmt/format.h>
#include <omp.h>

#include <algorithm>

#include "framework/errors.hpp"
#include "framework/gemm.hpp"

namespace unroll {
namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

void check(const ThreadTunerOptions& o) {
  auto fail = [](const std::string& what) { throw ValueError("thread tuner: " + what); };
  if (o.max_threads < 0)
    fail(fmt::format("max_threads {}; at least 0 (0: every processor)", o.max_threads));
  if (o.block == 0) fail("block of 0 steps; at least 1");
  if (o.probes == 0) fail("0 probes per candidate; at least 1");
  if (!(o.drift > 1)) fail(fmt::format("drift {}; above 1", o.drift));
  if (!(o.recheck_s >= 0)) fail(fmt::format("recheck_s {}; at least 0", o.recheck_s));
  if (!(o.max_probe_share > 0)) fail(fmt::format("max_probe_share {}; above 0", o.max_probe_share));
}

}  // namespace

ThreadTuner::ThreadTuner(const ThreadTunerOptions& options) : options_(options) {
  check(options);
  const int most = options.max_threads > 0 ? options.max_threads : omp_get_num_procs();
  candidates_[0] = 1;
  candidates_[1] = std::max(1, most);
  if (candidates_[1] == 1) phase_ = Phase::Chosen;  // nothing to choose between
}

void ThreadTuner::before_step() { set_compute_threads(current_); }

void ThreadTuner::after_step(double seconds) {
  if (candidates_[1] == 1) return;
  block_s_ += seconds;
  if (++in_block_ < options_.block) return;
  const double block = block_s_;
  in_block_ = 0;
  block_s_ = 0;
  finish_block(block);
}

void ThreadTuner::finish_block(double seconds) {
  switch (phase_) {
    case Phase::Warmup:  // the first block allocates and fills caches: not a measurement
      start_probing();
      return;
    case Phase::Probing: {
      times_[next_].push_back(seconds);
      const auto& mine = times_[next_];
      const auto& other = times_[1 - next_];
      // One count at least twice as slow as the other in every block so far: no need for more
      // (on a busy machine a block on every thread can take many times a block on one).
      const bool decisive =
          !other.empty() && (*std::min_element(mine.begin(), mine.end()) >
                                 2 * *std::max_element(other.begin(), other.end()) ||
                             *std::min_element(other.begin(), other.end()) >
                                 2 * *std::max_element(mine.begin(), mine.end()));
      if (decisive || (mine.size() >= options_.probes && other.size() >= options_.probes)) {
        choose();
        return;
      }
      next_ = 1 - next_;
      current_ = candidates_[next_];
      return;
    }
    case Phase::Chosen: {
      since_choice_s_ += seconds;
      window_.push_back(seconds);
      if (window_.size() < options_.probes) return;
      const double recent = median(window_);
      window_.clear();
      // A window off by the drift factor counts only when the next one is too (one hiccup of a
      // shared machine is not a change of load); a window within it becomes the reference, so a
      // slow change (the first steps of a run filling caches) is followed, not taken for drift.
      const bool off =
          recent > chosen_median_ * options_.drift || recent < chosen_median_ / options_.drift;
      drifted_windows_ = off ? drifted_windows_ + 1 : 0;
      if (!off) chosen_median_ = recent;
      if (drifted_windows_ >= 2 || since_choice_s_ >= wait_s_) start_probing();
      return;
    }
  }
}

void ThreadTuner::start_probing() {
  phase_ = Phase::Probing;
  times_[0].clear();
  times_[1].clear();
  next_ = current_ == candidates_[1] ? 1 : 0;  // the current count first
  current_ = candidates_[next_];
}

// The faster median wins. Probing cost the loser's blocks beyond what the winner would have
// taken; the next check waits until that is at most max_probe_share of the time run since.
void ThreadTuner::choose() {
  const double medians[2] = {median(times_[0]), median(times_[1])};
  const std::size_t best = medians[1] < medians[0] ? 1 : 0;
  double extra = 0;
  for (double t : times_[1 - best]) extra += std::max(0.0, t - medians[best]);
  phase_ = Phase::Chosen;
  current_ = candidates_[best];
  chosen_median_ = medians[best];
  since_choice_s_ = 0;
  window_.clear();
  drifted_windows_ = 0;
  wait_s_ = std::max(options_.recheck_s, extra / options_.max_probe_share);
}

std::string ThreadTuner::describe() const {
  if (phase_ == Phase::Chosen)
    return fmt::format("{} thread{} (auto)", current_, current_ == 1 ? "" : "s");
  return fmt::format("auto: timing 1 and {} threads", candidates_[1]);
}

}  // namespace unroll
