#include "layers/attention.hpp"

#include <fmt/format.h>

#include <cmath>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/select.hpp"
#include "framework/ops/shape.hpp"
#include "layers/init.hpp"

namespace unroll {
namespace {

const char* score_name(AttentionScore s) {
  switch (s) {
    case AttentionScore::Dot:
      return "dot";
    case AttentionScore::General:
      return "general";
    case AttentionScore::Additive:
      return "additive";
  }
  return "?";
}

std::ptrdiff_t signed_dim(std::size_t n) { return static_cast<std::ptrdiff_t>(n); }

}  // namespace

template <class T>
Attention<T>::Attention(const AttentionOptions& options) : options_(options) {
  const std::size_t q = options.query_size(), k = options.key_size();
  if (q == 0 || k == 0)
    throw ValueError(
        fmt::format("Attention: query size {} and key size {} must both be at least 1", q, k));
  Rng rng(options.seed());
  switch (options.score()) {
    case AttentionScore::Dot:
      if (q != k)
        throw ShapeError(fmt::format(
            "Attention (dot): the query width {} must equal the key width {} (use general or "
            "additive attention for different widths)",
            q, k));
      break;
    case AttentionScore::General:
      weight_ = this->register_parameter(
          "weight", uniform<T>({k, q}, 1.0 / std::sqrt(static_cast<double>(q)), rng));
      break;
    case AttentionScore::Additive: {
      const std::size_t a = options.attention_size() > 0 ? options.attention_size() : q;
      key_weight_ = this->register_parameter(
          "key_weight", uniform<T>({a, k}, 1.0 / std::sqrt(static_cast<double>(k)), rng));
      query_weight_ = this->register_parameter(
          "query_weight", uniform<T>({a, q}, 1.0 / std::sqrt(static_cast<double>(q)), rng));
      v_ = this->register_parameter("v",
                                    uniform<T>({a}, 1.0 / std::sqrt(static_cast<double>(a)), rng));
      break;
    }
  }
}

template <class T>
Var<T> Attention<T>::scores(const Var<T>& query, const Var<T>& keys) const {
  const std::size_t batch = keys.dim(0), sources = keys.dim(1), targets = query.dim(1);
  switch (options_.score()) {
    case AttentionScore::Dot:  // [B, T, Q]·[B, Q, S]
      return matmul(query, permute(keys, {0, 2, 1}));
    case AttentionScore::General:  // (s·Wᵀ)·hᵀ = hᵀ W s:  [B, T, K]·[B, K, S]
      return matmul(linear(query, weight_), permute(keys, {0, 2, 1}));
    case AttentionScore::Additive: {
      const auto a = signed_dim(v_.dim(0));
      const auto b = signed_dim(batch), t = signed_dim(targets), s = signed_dim(sources);
      Var<T> projected_keys = reshape(linear(keys, key_weight_), {b, 1, s, a});        // W₁h
      Var<T> projected_query = reshape(linear(query, query_weight_), {b, t, 1, a});    // W₂s
      Var<T> hidden = reshape(tanh(projected_keys + projected_query), {b, t * s, a});  // [B, TS, A]
      return reshape(matmul(hidden, reshape(v_, {a, 1})), {b, t, s});
    }
  }
  return {};
}

template <class T>
AttentionOutput<T> Attention<T>::forward(const Var<T>& query, const Var<T>& keys,
                                         const std::vector<std::size_t>& lengths) const {
  const char* kind = score_name(options_.score());
  if (keys.rank() != 3 || keys.dim(2) != options_.key_size() || keys.dim(1) == 0)
    throw ShapeError(fmt::format("Attention ({}): keys {}: expected [B, S, {}]", kind,
                                 shape_str(keys.shape()), options_.key_size()));
  const bool one_step = query.rank() == 2;
  if ((query.rank() != 2 && query.rank() != 3) ||
      query.dim(query.rank() - 1) != options_.query_size() || query.dim(0) != keys.dim(0))
    throw ShapeError(
        fmt::format("Attention ({}): query {}: expected [{}, {}] or [{}, T, {}] "
                    "beside keys {}",
                    kind, shape_str(query.shape()), keys.dim(0), options_.query_size(), keys.dim(0),
                    options_.query_size(), shape_str(keys.shape())));
  const std::size_t batch = keys.dim(0), sources = keys.dim(1);
  if (!lengths.empty()) {
    if (lengths.size() != batch)
      throw ShapeError(
          fmt::format("Attention ({}): {} lengths for a batch of {}", kind, lengths.size(), batch));
    for (std::size_t b = 0; b < batch; ++b)
      if (lengths[b] == 0 || lengths[b] > sources)
        throw ValueError(fmt::format("Attention ({}): length {} of row {} is not in [1, {}]", kind,
                                     lengths[b], b, sources));
  }
  const Var<T> queries =
      one_step ? reshape(query, {signed_dim(batch), 1, signed_dim(query.dim(1))}) : query;
  const Var<T> score = scores(queries, keys);  // [B, T, S]
  Var<T> weights;
  if (lengths.empty()) {
    weights = softmax(score, -1);
  } else {
    Mask padded = padding_mask(lengths, sources);  // [B, S]
    padded.reshape({batch, 1, sources});
    weights = masked_softmax(score, padded);
  }
  Var<T> context = matmul(weights, keys);  // [B, T, S]·[B, S, K] → [B, T, K]
  if (one_step)
    return {reshape(context, {signed_dim(batch), signed_dim(options_.key_size())}),
            reshape(weights, {signed_dim(batch), signed_dim(sources)})};
  return {context, weights};
}

template class Attention<float>;
template class Attention<double>;

}  // namespace unroll
