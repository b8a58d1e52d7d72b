#include "models/training/task.hpp"

#include <fmt/format.h>

namespace unroll::training {

std::string Task::describe(const Validation& validation) const {
  return fmt::format("{:.4f}", validation.loss);
}

}  // namespace unroll::training
