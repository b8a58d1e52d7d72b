// How the classifier turns an encoder's outputs over time into one vector per snippet. Padding
// never counts: each row b reads only its length_b valid steps.
//   h [B, T, D·H] (D = 2 for a bidirectional encoder: forward in [0, H), backward in [H, 2H))
//   last: y[b] = h[b, length_b − 1]            (D = 1)
//         y[b] = [h→[b, length_b − 1]; h←[b, 0]] (D = 2: each direction's last step read —
//                                                 the backward one reads position 0 last)
//   mean: y[b] = Σ_{t < length_b} h[b, t] / length_b
//   max:  y[b] = max_{t < length_b} h[b, t], elementwise
//   → y [B, D·H]
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "framework/tape.hpp"

namespace unroll::classifier {

enum class Pooling { Last, Mean, Max };

// "last" | "mean" | "max"; ValueError naming the value otherwise.
Pooling parse_pooling(const std::string& name);
std::string pooling_name(Pooling pooling);

// See the top of this file. ShapeError when h is not [B, T, D·H] with D·H divisible by
// `directions`; ValueError (from the sequence ops) for a length of 0 or above T.
template <class T>
Var<T> pool(const Var<T>& h, const std::vector<std::size_t>& lengths, Pooling pooling,
            std::size_t directions);

}  // namespace unroll::classifier
