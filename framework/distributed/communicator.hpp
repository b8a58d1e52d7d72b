/// @file
/// The processes that train one model together (data parallelism): each holds a replica,
/// computes the gradient of its share of the global batch, and the gradients are summed over all
/// of them before every optimizer step. Communicator::world() is MPI's world when the program
/// was built with MPI (CMake found one) and started by a launcher (`mpirun -np N`); otherwise a
/// single process of rank 0, whose collectives change nothing — so a trainer has one code path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "framework/errors.hpp"

namespace unroll::distributed {

/// An error every rank detects alike (a batch the ranks do not divide, ranks that disagree on
/// their model or data): each rank throws it, and only rank 0 needs to report it.
struct CollectiveError : ValueError {
  using ValueError::ValueError;
};

/// One named value every rank must hold alike: a 64-bit hash of a model configuration, a
/// vocabulary, the training data, a setting (fingerprint.hpp).
struct Fingerprint {
  std::string what;  ///< "model configuration", "training data", …
  std::uint64_t value = 0;  ///< the hash, fingerprint.hpp's FNV-1a
};

/// A group of processes; every call but rank() and size() is collective: each rank makes the
/// same calls in the same order.
class Communicator {
 public:
  /// This process's world (see the top of this file). The first call starts MPI when the
  /// program runs under a launcher; MPI is finalized at exit.
  static Communicator& world();

  int rank() const { return rank_; }           ///< 0 … size() − 1
  int size() const { return size_; }           ///< the processes training together
  bool is_root() const { return rank_ == 0; }  ///< rank 0: the one that writes and reports
  /// Whether this build can run on several processes (MPI was found when it was configured).
  static bool built_with_mpi();

  /// values ← Σ over ranks of values, in place, the same on every rank.
  void allreduce_sum(std::span<float> values);
  void allreduce_sum(std::span<double> values);  ///< @copydoc allreduce_sum(std::span<float>)
  /// Starts allreduce_sum(values) and returns at once; `values` must stay alive and untouched
  /// until wait_all(), which completes every started reduction in the order they were started.
  void start_allreduce_sum(std::span<float> values);
  void wait_all();  ///< @copydoc start_allreduce_sum
  /// bytes ← rank `root`'s bytes on every rank (the same size on every rank).
  void broadcast(std::span<std::byte> bytes, int root = 0);
  /// Whether `flag` is true on any rank.
  bool any(bool flag);

  /// CollectiveError "ranks disagree on WHAT: rank 0 has X, rank R has Y" for the first item
  /// whose value differs between ranks, thrown on every rank; nothing when they all agree.
  /// Every rank must pass the same items in the same order (a different count is reported too).
  void require_agreement(const std::vector<Fingerprint>& items);

  /// Ends every process of the world with exit status `code` (MPI_Abort): what a rank does
  /// after an error its peers cannot know of, so that none waits forever in a collective.
  [[noreturn]] void abort(int code);

 private:
  Communicator();
  ~Communicator();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank_ = 0, size_ = 1;
  bool mpi_ = false;  // MPI was started (and is finalized by the destructor)
};

}  // namespace unroll::distributed
