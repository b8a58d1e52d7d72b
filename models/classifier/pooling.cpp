#include "models/classifier/pooling.hpp"

#include <fmt/format.h>

#include "framework/errors.hpp"
#include "framework/ops/sequence.hpp"
#include "framework/ops/shape.hpp"

namespace unroll::classifier {

Pooling parse_pooling(const std::string& name) {
  if (name == "last") return Pooling::Last;
  if (name == "mean") return Pooling::Mean;
  if (name == "max") return Pooling::Max;
  throw ValueError(fmt::format("pooling '{}' is not one of last, mean, max", name));
}

std::string pooling_name(Pooling pooling) {
  switch (pooling) {
    case Pooling::Last:
      return "last";
    case Pooling::Mean:
      return "mean";
    case Pooling::Max:
      return "max";
  }
  return "?";
}

template <class T>
Var<T> pool(const Var<T>& h, const std::vector<std::size_t>& lengths, Pooling pooling,
            std::size_t directions) {
  if (h.value().dimension() != 3 || directions == 0 || h.dim(2) % directions != 0)
    throw ShapeError(fmt::format("pool: h {} is not [B, T, D·H] for D = {}",
                                 shape_str(h.value().shape()), directions));
  if (pooling == Pooling::Mean) return mean_over_time(h, lengths);
  if (pooling == Pooling::Max) return max_over_time(h, lengths);
  if (directions == 1) return last_step(h, lengths);
  const std::size_t hidden = h.dim(2) / 2;
  const Var<T> forward = last_step(narrow(h, 2, 0, hidden), lengths);  // [B, H]
  const Var<T> backward = select(narrow(h, 2, hidden, hidden), 1, 0);  // [B, H]
  return concat({forward, backward}, 1);
}

template Var<float> pool(const Var<float>&, const std::vector<std::size_t>&, Pooling, std::size_t);
template Var<double> pool(const Var<double>&, const std::vector<std::size_t>&, Pooling,
                          std::size_t);

}  // namespace unroll::classifier
