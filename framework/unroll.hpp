// Everything a user of the framework needs: the tape and every op.
#pragma once

#include "framework/errors.hpp"
#include "framework/gradcheck.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/reduce.hpp"
#include "framework/ops/shape.hpp"
#include "framework/tape.hpp"
#include "framework/tensor.hpp"
