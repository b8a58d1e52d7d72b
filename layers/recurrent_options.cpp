#include "layers/recurrent_options.hpp"

#include "framework/errors.hpp"

namespace unroll {

RecurrentOptions& RecurrentOptions::temporal_skip(std::size_t k) {
  if (k == 0)
    throw ValueError(
        "temporal_skip: the skip distance must be at least 1 (h_{t−k} with k = 0 is h_t itself)");
  temporal_skip_ = k;
  return *this;
}

}  // namespace unroll
