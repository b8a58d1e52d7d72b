/// @file
/// Everything a user of the framework needs: the tape, every op, the optimizers.
#pragma once

#include "framework/errors.hpp"
#include "framework/gradcheck.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/pointwise.hpp"
#include "framework/ops/reduce.hpp"
#include "framework/ops/select.hpp"
#include "framework/ops/sequence.hpp"
#include "framework/ops/shape.hpp"
#include "framework/optim/adagrad.hpp"
#include "framework/optim/adam.hpp"
#include "framework/optim/adamw.hpp"
#include "framework/optim/clip.hpp"
#include "framework/optim/rmsprop.hpp"
#include "framework/optim/schedule.hpp"
#include "framework/optim/sgd.hpp"
#include "framework/tape.hpp"
#include "framework/tensor.hpp"
