// Time of Communicator::allreduce_sum over float buffers of 0.25 … 16 MB, per call: the median
// of REPEATS calls after a barrier-like warm-up, on rank 0. Run under `mpirun -np N`.
//   mpirun -np 2 build/bin/allreduce_bench [REPEATS]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <vector>

#include "framework/distributed/communicator.hpp"

int main(int argc, char** argv) {
  using unroll::distributed::Communicator;
  Communicator& world = Communicator::world();
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 30;
  if (world.is_root()) fmt::print("{:>8} {:>12} {:>10}\n", "MB", "median ms", "MB/s");
  for (const double mb : {0.25, 1.0, 4.0, 16.0}) {
    std::vector<float> buffer(static_cast<std::size_t>(mb * 1024 * 1024 / sizeof(float)), 1.0f);
    std::vector<double> times;
    for (int i = 0; i < repeats + 3; ++i) {
      world.any(false);  // the ranks start together
      const auto start = std::chrono::steady_clock::now();
      world.allreduce_sum(buffer);
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (i >= 3) times.push_back(s);
    }
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    const double median = times[times.size() / 2];
    if (world.is_root())
      fmt::print("{:>8.2f} {:>12.3f} {:>10.0f}\n", mb, median * 1e3, mb / median);
  }
  return 0;
}
