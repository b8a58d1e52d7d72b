// The lab's experiments, one factory each (lab/experiments/<name>.cpp).
#pragma once

#include <memory>

#include "lab/experiment.hpp"

namespace unroll::lab {

std::unique_ptr<Experiment> gradient_flow();
std::unique_ptr<Experiment> depth();
std::unique_ptr<Experiment> cells();
std::unique_ptr<Experiment> long_range();
std::unique_ptr<Experiment> clipping();
std::unique_ptr<Experiment> tbptt();

}  // namespace unroll::lab
