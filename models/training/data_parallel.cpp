#include "models/training/data_parallel.hpp"

#include <fmt/format.h>

#include "framework/ops/elementwise.hpp"

namespace unroll::training {

BatchShare batch_share(std::size_t batch, const distributed::Communicator& ranks) {
  const auto n = static_cast<std::size_t>(ranks.size());
  if (batch % n != 0)
    throw distributed::CollectiveError(fmt::format(
        "--batch {} is not divisible by the {} ranks: the batch is the global one, each rank "
        "trains an equal share of it; use a multiple of {}",
        batch, n, n));
  const std::size_t count = batch / n;
  return {static_cast<std::size_t>(ranks.rank()) * count, count};
}

Var<float> share_of_global_mean(const Var<float>& rank_mean, std::size_t counted,
                                std::size_t global_counted,
                                const distributed::Communicator& ranks) {
  const auto n = static_cast<std::size_t>(ranks.size());
  // One rank, or this rank counts exactly 1/N of the targets (its weight is 1), or nothing is
  // counted anywhere (every L_r is 0): nothing to rescale.
  if (n == 1 || counted * n == global_counted || global_counted == 0) return rank_mean;
  const double weight = static_cast<double>(ranks.size()) * static_cast<double>(counted) /
                        static_cast<double>(global_counted);
  return rank_mean * static_cast<float>(weight);
}

std::uint64_t fingerprint_metadata(const std::map<std::string, std::string>& metadata) {
  std::string text;
  for (const auto& [key, value] : metadata) text += key + "=" + value + ";";
  return distributed::fingerprint(text);
}

}  // namespace unroll::training
