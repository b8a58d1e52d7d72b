/// @file
/// Attention over encoder outputs (Luong et al. 2015; Bahdanau et al. 2015), composed of ops.
///
///   keys h [B, S, K]: the encoder's outputs, with source lengths (padded positions get weight
///   exactly 0);  query s [B, Q] (one decoder step) or [B, T, Q] (every decoder step at once, as
///   teacher-forced training has them: one batched matmul, [B, T, S]).
///   score(h_j, s):  Dot       hⱼᵀ s                      (K = Q)
///                   General   hⱼᵀ W s,  W [K, Q]          ("weight")
///                   Additive  vᵀ tanh(W₁ hⱼ + W₂ s),  W₁ [A, K] ("key_weight"), W₂ [A, Q]
///                             ("query_weight"), v [A] ("v")
///   weights α = masked_softmax over j of the scores;  context c = Σⱼ αⱼ hⱼ.
///   → context [B, K] (or [B, T, K]) and weights [B, S] (or [B, T, S]) for heatmaps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "framework/options.hpp"
#include "layers/module.hpp"

namespace unroll {

/// The score functions (see the top of this file).
enum class AttentionScore { Dot, General, Additive };

/// Attention's settings.
class AttentionOptions {
 public:
  /// Widths Q and K; the other options keep their defaults.
  AttentionOptions(std::size_t query_size, std::size_t key_size)
      : query_size_(query_size), key_size_(key_size) {}

  UNROLL_OPTION(AttentionOptions, std::size_t, query_size, 0)  ///< Q: the decoder state's width
  UNROLL_OPTION(AttentionOptions, std::size_t, key_size, 0)    ///< K: the encoder output's width
  /// The score function (Dot needs K = Q).
  UNROLL_OPTION(AttentionOptions, AttentionScore, score, AttentionScore::General)
  UNROLL_OPTION(AttentionOptions, std::size_t, attention_size, 0)  ///< A (additive); 0: Q
  UNROLL_OPTION(AttentionOptions, std::uint64_t, seed, 1)          ///< the weights' initialization
};

/// What Attention::forward returns.
template <class T>
struct AttentionOutput {
  Var<T> context;  ///< [B, K] or [B, T, K]
  Var<T> weights;  ///< [B, S] or [B, T, S]
};

/// Attention over encoder outputs (see the top of this file).
template <class T = float>
class Attention : public Module<T> {
 public:
  /// ValueError for a zero width; ShapeError for Dot with Q ≠ K.
  explicit Attention(const AttentionOptions& options);

  /// ShapeError naming the shapes when query and keys do not fit (widths, batch, ranks);
  /// ValueError for a length of 0 or above S.
  AttentionOutput<T> forward(const Var<T>& query, const Var<T>& keys,
                             const std::vector<std::size_t>& lengths = {}) const;

  const AttentionOptions& options() const { return options_; }  ///< as constructed

 private:
  /// Scores [B, T, S] of queries [B, T, Q] against keys [B, S, K].
  Var<T> scores(const Var<T>& query, const Var<T>& keys) const;

  AttentionOptions options_;
  Var<T> weight_;                     ///< General
  Var<T> key_weight_, query_weight_;  ///< Additive
  Var<T> v_;
};

}  // namespace unroll
