#include "framework/ops/op_support.hpp"

namespace unroll::detail {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::size_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::size_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ShapeError(fmt::format("{}: shapes {} and {} do not broadcast (axis {}: {} vs {})", op,
                                   shape_str(a), shape_str(b), i, da, db));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

template <class T>
Array<T> reduce_to_shape(const Array<T>& g, const Shape& target) {
  // Walk g in row-major order; each element adds into the target element it was broadcast
  // from (stride 0 along the axes target does not have or has as 1).
  const std::size_t rank = g.dimension();
  const std::size_t lead = rank - target.size();
  std::vector<std::size_t> stride(rank, 0);
  for (std::size_t i = rank, s = 1; i-- > lead;) {
    const std::size_t extent = target[i - lead];
    if (extent != 1) stride[i] = s;
    s *= extent;
  }
  Array<T> out = Array<T>::from_shape(target);
  out.fill(T(0));
  std::vector<std::size_t> index(rank, 0);
  std::size_t offset = 0;
  const T* src = g.data();
  T* dst = out.data();
  for (std::size_t n = 0; n < g.size(); ++n) {
    dst[offset] += src[n];
    for (std::size_t i = rank; i-- > 0;) {  // advance the multi-index, updating the offset
      offset += stride[i];
      if (++index[i] < g.shape()[i]) break;
      offset -= stride[i] * index[i];
      index[i] = 0;
    }
  }
  return out;
}

std::size_t normalize_axis(const char* op, std::ptrdiff_t axis, std::size_t rank) {
  const auto r = static_cast<std::ptrdiff_t>(rank);
  if (axis < -r || axis >= r)
    throw ValueError(fmt::format("{}: axis {} out of range for rank {}", op, axis, rank));
  return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

template Array<float> reduce_to_shape(const Array<float>&, const Shape&);
template Array<double> reduce_to_shape(const Array<double>&, const Shape&);

}  // namespace unroll::detail
