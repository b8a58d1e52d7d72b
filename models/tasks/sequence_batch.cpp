#include "models/tasks/sequence_batch.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"

namespace unroll::tasks {

void check_batch_size(std::string_view task, std::size_t batch_size) {
  if (batch_size == 0)
    throw ValueError(fmt::format("{}: batch size {} must be at least 1", task, batch_size));
}

}  // namespace unroll::tasks
