/// @file
/// Choosing the compute threads by timing the work itself (`--threads auto`). On an idle 2-core
/// machine two threads train about 1.8× faster than one; with the other core kept busy by
/// another program, two threads wait on each other at every parallel region and run slower than
/// one. So the tuner times blocks of the repeated work (training steps, evaluation batches,
/// sampled characters) on one thread and on all of them, alternately, keeps the faster, and times
/// both again when the chosen count's blocks jump away from what it measured, or after a while.
///
/// Results do not depend on the choice: the GEMM splits its output, never a sum, over threads,
/// and every elementwise loop splits rows (a test holds 1 and 2 threads to identical weights).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace unroll {

/// How a ThreadTuner times and chooses.
struct ThreadTunerOptions {
  int max_threads = 0;       ///< the candidate besides 1; 0: the processors OpenMP sees
  std::size_t block = 1;     ///< steps timed together as one measurement
  std::size_t probes = 3;    ///< measurements per candidate before choosing
  /// Time both again when two windows of `probes` blocks in a row have a median this factor off
  /// the chosen count's latest window within it.
  double drift = 1.3;
  double recheck_s = 120.0;  ///< … and at least this long after the last choice
  /// After a choice, the next check waits until probing cost at most this share of the time.
  double max_probe_share = 0.02;
};

/// Chooses between one thread and every core by timing the steps it is told about.
class ThreadTuner {
 public:
  /// ValueError naming the setting for max_threads < 0, block or probes 0, drift ≤ 1, or a
  // negative recheck_s or probe share.
  explicit ThreadTuner(const ThreadTunerOptions& options = {});

  /// Sets the compute threads (set_compute_threads) the next step runs on; call before it.
  void before_step();
  /// The step just done took `seconds`.
  void after_step(double seconds);

  int threads() const { return current_; }                  ///< what the next step runs on
  bool probing() const { return phase_ != Phase::Chosen; }  ///< still timing both counts
  /// "2 threads (auto)", "auto: timing 1 and 2 threads" while probing.
  std::string describe() const;

 private:
  enum class Phase { Warmup, Probing, Chosen };
  void start_probing();
  void finish_block(double seconds);
  void choose();

  ThreadTunerOptions options_;
  int candidates_[2];
  Phase phase_ = Phase::Warmup;
  int current_ = 1;
  std::size_t in_block_ = 0;      // steps of the current block done
  double block_s_ = 0;            // their time
  std::vector<double> times_[2];  // block times per candidate while probing
  std::size_t next_ = 0;          // the candidate the next probe block runs on
  double chosen_median_ = 0;      // the chosen count's latest median block time within drift
  std::vector<double> window_;    // the chosen count's recent block times
  int drifted_windows_ = 0;       // windows in a row off by the drift factor
  double since_choice_s_ = 0;     // time run on the choice since it was made
  double wait_s_ = 0;             // when to time both again
};

}  // namespace unroll
