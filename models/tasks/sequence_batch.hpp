// One batch of a synthetic task. Each task fills the members it uses and leaves the others
// default-constructed (dimension 0).
#pragma once

#include <cstddef>
#include <string_view>

#include "framework/tensor.hpp"

namespace unroll::tasks {

struct SequenceBatch {
  Array<float> inputs;   // real-valued inputs [B, T, F] (adding)
  IndexArray input_ids;  // symbol inputs [B, T] (copy memory, temporal order)
  Array<float> targets;  // real-valued targets [B, output_size] (adding)
  IndexArray
      target_ids;  // class targets: per step [B, T] (copy memory), per row [B] (temporal order)
};

// ValueError "<task>: batch size 0 must be at least 1" when batch_size is 0.
void check_batch_size(std::string_view task, std::size_t batch_size);

}  // namespace unroll::tasks
