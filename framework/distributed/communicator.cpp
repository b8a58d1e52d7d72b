#include "framework/distributed/communicator.hpp"

#include <fmt/format.h>

#include <cstdlib>

#ifdef UNROLL_WITH_MPI
#include <mpi.h>
#endif

namespace unroll::distributed {
namespace {

#ifdef UNROLL_WITH_MPI
// Whether a launcher started this process: Open MPI's mpirun, or a PMI/PMIx one (MPICH's
// hydra, Slurm's srun). A plain run never starts MPI, so it behaves (and costs) as before.
bool under_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

// The reductions started and not yet waited for (world() is the only communicator).
std::vector<MPI_Request>& pending() {
  static std::vector<MPI_Request> requests;
  return requests;
}

void check(int code, const char* operation) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(
      fmt::format("{}: {}", operation, std::string(text, static_cast<std::size_t>(length))));
}

// values ← Σ over ranks, in place: `count` numbers of `type` at `data`.
void sum_in_place(void* data, std::size_t count, MPI_Datatype type) {
  check(MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(count), type, MPI_SUM, MPI_COMM_WORLD),
        "allreduce");
}
#endif

}  // namespace

Communicator& Communicator::world() {
  static Communicator world;
  return world;
}

bool Communicator::built_with_mpi() {
#ifdef UNROLL_WITH_MPI
  return true;
#else
  return false;
#endif
}

Communicator::Communicator() {
#ifdef UNROLL_WITH_MPI
  if (!under_launcher()) return;
  int provided = 0;
  // Only the main thread calls MPI (the compute threads are OpenMP's, inside kernels).
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    throw Error("MPI_Init_thread failed: this process cannot join its launcher's job");
  mpi_ = true;
  if (provided < MPI_THREAD_FUNNELED)  // every MPI library of note provides it
    throw Error(fmt::format(
        "MPI gives thread level {}; unroll needs MPI_THREAD_FUNNELED (OpenMP threads run "
        "between the main thread's MPI calls)",
        provided));
  // Errors come back as codes (turned into exceptions), not as MPI's own abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
#endif
}

Communicator::~Communicator() {
#ifdef UNROLL_WITH_MPI
  if (mpi_) MPI_Finalize();
#endif
}

void Communicator::allreduce_sum(std::span<float> values) {
  if (size_ == 1) return;
#ifdef UNROLL_WITH_MPI
  sum_in_place(values.data(), values.size(), MPI_FLOAT);
#endif
}

void Communicator::allreduce_sum(std::span<double> values) {
  if (size_ == 1) return;
#ifdef UNROLL_WITH_MPI
  sum_in_place(values.data(), values.size(), MPI_DOUBLE);
#endif
}

void Communicator::start_allreduce_sum(std::span<float> values) {
  if (size_ == 1) return;
#ifdef UNROLL_WITH_MPI
  MPI_Request request;
  check(MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_FLOAT,
                       MPI_SUM, MPI_COMM_WORLD, &request),
        "allreduce");
  pending().push_back(request);
#endif
}

void Communicator::wait_all() {
#ifdef UNROLL_WITH_MPI
  auto& requests = pending();
  if (requests.empty()) return;
  const int code =
      MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE);
  requests.clear();
  check(code, "allreduce");
#endif
}

void Communicator::broadcast(std::span<std::byte> bytes, int root) {
  if (size_ == 1) return;
#ifdef UNROLL_WITH_MPI
  check(MPI_Bcast(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, root, MPI_COMM_WORLD),
        "broadcast");
#endif
}

bool Communicator::any(bool flag) {
  double count = flag ? 1.0 : 0.0;
  allreduce_sum(std::span<double>(&count, 1));
  return count > 0;
}

void Communicator::require_agreement(const std::vector<Fingerprint>& items) {
  if (size_ == 1) return;
  // Every rank's count and values, gathered into one table by a sum of zero-padded rows:
  // row r = [count, value 0, value 1, …] of rank r (each 64-bit value as two exact doubles).
  constexpr std::size_t kMaxItems = 32;
  if (items.size() > kMaxItems)
    throw ValueError(
        fmt::format("require_agreement: {} items, at most {}", items.size(), kMaxItems));
  const std::size_t row = 1 + 2 * kMaxItems;
  std::vector<double> table(static_cast<std::size_t>(size_) * row, 0.0);
  double* mine = table.data() + static_cast<std::size_t>(rank_) * row;
  mine[0] = static_cast<double>(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    mine[1 + 2 * i] = static_cast<double>(items[i].value >> 32);
    mine[2 + 2 * i] = static_cast<double>(items[i].value & 0xffffffffu);
  }
  allreduce_sum(std::span<double>(table));
  auto value = [&](int r, std::size_t i) {
    const double* v = table.data() + static_cast<std::size_t>(r) * row;
    return (static_cast<std::uint64_t>(v[1 + 2 * i]) << 32) |
           static_cast<std::uint64_t>(v[2 + 2 * i]);
  };
  for (int r = 1; r < size_; ++r)
    if (table[static_cast<std::size_t>(r) * row] != table[0])
      throw CollectiveError(fmt::format(
          "ranks disagree on what they check: rank 0 has {} fingerprints, rank {} has {} (the "
          "same program and version on every machine?)",
          table[0], r, table[static_cast<std::size_t>(r) * row]));
  for (std::size_t i = 0; i < items.size(); ++i)
    for (int r = 1; r < size_; ++r)
      if (value(r, i) != value(0, i))
        throw CollectiveError(fmt::format(
            "ranks disagree on the {}: rank 0 has {:016x}, rank {} has {:016x} — every rank "
            "needs the same program, data and options",
            items[i].what, value(0, i), r, value(r, i)));
}

void Communicator::abort(int code) {
#ifdef UNROLL_WITH_MPI
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::exit(code);
}

}  // namespace unroll::distributed
