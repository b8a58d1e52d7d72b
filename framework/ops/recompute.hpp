/// @file
/// Recomputation ("gradient checkpointing"): one more forward pass of a function in exchange
/// for the memory of its intermediates.
#pragma once

#include <functional>
#include <vector>

#include "framework/tape.hpp"

namespace unroll {

/// The function recompute() records: inputs → y, built of ops.
template <class T>
using RecomputeFn = std::function<Var<T>(const std::vector<Var<T>>& inputs)>;

/// y = f(inputs), recorded as one node that keeps the inputs and references the parameters; y's
/// value is not kept for backward. Forward runs f under NoGrad: none of f's intermediates is
/// recorded or kept. Backward runs f again on copies of the inputs, recording on a nested tape
/// (Tape::Nested), backpropagates dy through that recording, adds the copies' gradients into the
/// inputs' and releases the recording. `parameters` are the leaves f uses directly (a module's
/// weights): they receive their gradients as usual, the node is recorded when only they need one,
/// and changing one between forward and backward is a TapeError. f must compute the same y both
/// times: no fresh randomness inside; TapeError naming `name` when the second run's shape or value
/// differs from the first's (compared bit for bit through a 64-bit checksum of y, kept instead of
/// y). `name` may be built at run time: the node keeps an interned copy.
template <class T>
Var<T> recompute(const char* name, RecomputeFn<T> f, const std::vector<Var<T>>& inputs,
                 const std::vector<Var<T>>& parameters = {});

}  // namespace unroll
