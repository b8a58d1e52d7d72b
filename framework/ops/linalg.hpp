/// @file
/// Matrix products, on the float32 path through oneDNN (see framework/gemm.hpp).
#pragma once

#include "framework/tape.hpp"

namespace unroll {

/// y = a·b.  [M,K]·[K,N] → [M,N];  batched [B,M,K]·[B,K,N] → [B,M,N];  [B,M,K]·[K,N] → [B,M,N].
/// da += dy·bᵀ,  db += aᵀ·dy  (batched: per batch; shared b: summed over the batch).
template <class T>
Var<T> matmul(const Var<T>& a, const Var<T>& b);

/// y = x·Wᵀ + b.  x [..., in], W [out, in] (PyTorch's layout), b [out] → y [..., out].
/// dx += dy·W,  dW += dyᵀ·x,  db += Σ_rows dy  (leading axes of x flattened into rows).
/// b may also be a per-row base of y's shape [..., out] (addmm: y = base + x·Wᵀ, dbase += dy) —
/// a recurrent step adds h·W_hhᵀ onto its precomputed input projection this way, in one GEMM.
template <class T>
Var<T> linear(const Var<T>& x, const Var<T>& weight, const Var<T>& bias);
/// y = x·Wᵀ (no bias).
template <class T>
Var<T> linear(const Var<T>& x, const Var<T>& weight);

}  // namespace unroll
