#include "framework/ops/shape.hpp"

#include <algorithm>
#include <string>
#include <xtensor/xadapt.hpp>

#include "framework/ops/op_support.hpp"
#include "framework/parallel.hpp"

namespace unroll {
namespace {

// Row-major strides of `shape`, in elements.
Shape strides_of(const Shape& shape) {
  Shape strides(shape.size());
  std::size_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

// The part [..., start : start + length, ...] along `axis` of a row-major buffer of `shape`:
// `count` contiguous runs of `size` elements, the first at `offset`, each `pitch` after the last.
struct Runs {
  std::size_t count, size, pitch, offset;
};

Runs runs_of(const Shape& shape, std::size_t axis, std::size_t start, std::size_t length) {
  std::size_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i < axis) outer *= shape[i];
    if (i > axis) inner *= shape[i];
  }
  return {outer, length * inner, shape[axis] * inner, start * inner};
}

// The part `r` of dst = src (contiguous, the part's shape).
template <class T>
void copy_into(T* dst, const Runs& r, const T* src) {
  parallel_rows(r.count, r.count * r.size, kParallelCopyElements, [&](std::size_t k) {
    std::copy_n(src + k * r.size, r.size, dst + r.offset + k * r.pitch);
  });
}

// dst (contiguous, the part's shape) = the part `r` of src.
template <class T>
void copy_out(T* dst, const Runs& r, const T* src) {
  parallel_rows(r.count, r.count * r.size, kParallelCopyElements, [&](std::size_t k) {
    std::copy_n(src + r.offset + k * r.pitch, r.size, dst + k * r.size);
  });
}

// dst (contiguous, the part's shape) += the part `r` of src.
template <class T>
void add_out(T* dst, const Runs& r, const T* src) {
  parallel_rows(r.count, r.count * r.size, kParallelCopyElements, [&](std::size_t k) {
    T* d = dst + k * r.size;
    const T* s = src + r.offset + k * r.pitch;
    for (std::size_t i = 0; i < r.size; ++i) d[i] += s[i];
  });
}

// The part `r` of dst += src (contiguous, the part's shape).
template <class T>
void add_into(T* dst, const Runs& r, const T* src) {
  parallel_rows(r.count, r.count * r.size, kParallelCopyElements, [&](std::size_t k) {
    T* d = dst + r.offset + k * r.pitch;
    const T* s = src + k * r.size;
    for (std::size_t i = 0; i < r.size; ++i) d[i] += s[i];
  });
}

// dst (row-major, `shape`) = the elements of src read with `strides`, one per axis of dst.
// For permutations, where xtensor's own strided assignment is ~6× slower.
template <class T>
void strided_copy(T* dst, const T* src, const Shape& shape, const Shape& strides) {
  const std::size_t total = shape_size(shape);
  if (total == 0) return;
  if (shape.empty()) {
    *dst = *src;
    return;
  }
  const std::size_t rank = shape.size(), n = shape[rank - 1], step = strides[rank - 1];
  Shape index(rank, 0);
  std::size_t offset = 0;
  for (std::size_t done = 0; done < total; done += n) {
    for (std::size_t i = 0; i < n; ++i) *dst++ = src[offset + i * step];
    for (std::size_t a = rank - 1; a-- > 0;) {  // advance the outer axes like an odometer
      offset += strides[a];
      if (++index[a] < shape[a]) break;
      offset -= strides[a] * shape[a];
      index[a] = 0;
    }
  }
}

// in.grad, zero-filled when nothing has flowed into it yet: for backwards that add into a part.
template <class T>
Array<T>& grad_to_add_into(Node<T>& in) {
  if (!in.has_grad) {
    in.grad.resize(in.value_shape());
    parallel_fill(in.grad.data(), in.grad.size(), T(0));
    in.has_grad = true;
  }
  return in.grad;
}

// in.grad += the part `r` of dy (the gradient of a concat or stack, whose part in came from).
template <class T>
void accumulate_part(Node<T>& in, const Runs& r, const T* dy) {
  if (!in.requires_grad) return;
  if (in.has_grad) return add_out(in.grad.data(), r, dy);
  in.grad.resize(in.value_shape());
  copy_out(in.grad.data(), r, dy);
  in.has_grad = true;
}

// `to` with its −1 inferred for `from`'s number of elements; ShapeError when they cannot match.
Shape resolve_shape(const Shape& from, const std::vector<std::ptrdiff_t>& to) {
  auto fail = [&](const std::string& why) {
    return ShapeError(fmt::format("reshape: {} to {}: {}", shape_str(from), shape_str(to), why));
  };
  Shape shape(to.size());
  std::size_t known = 1, inferred = to.size();
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (to[i] == -1) {
      if (inferred != to.size()) throw fail("more than one extent is -1");
      inferred = i;
    } else if (to[i] < 0) {
      throw fail(fmt::format("extent {} is negative", to[i]));
    } else {
      shape[i] = static_cast<std::size_t>(to[i]);
      known *= shape[i];
    }
  }
  const std::size_t size = shape_size(from);
  if (inferred == to.size()) {
    if (known != size) throw fail(fmt::format("{} elements, not {}", size, known));
  } else {
    if (known == 0) throw fail("the -1 cannot be inferred beside a zero extent");
    if (size % known != 0)
      throw fail(fmt::format("{} elements are not a multiple of {}", size, known));
    shape[inferred] = size / known;
  }
  return shape;
}

template <class T>
Var<T> permute_impl(const char* name, const Var<T>& x, const Shape& perm) {
  Var<T> y = detail::make_result<T>(
      name, {&x},
      [](Node<T>& n) {
        Node<T>& in = n.input(0);
        if (!in.requires_grad) return;
        // dx axis perm[j] reads dy axis j.
        const Shape dy_strides = strides_of(n.grad.shape());
        Shape strides(n.ints.size());
        for (std::size_t j = 0; j < n.ints.size(); ++j)
          strides[static_cast<std::size_t>(n.ints[j])] = dy_strides[j];
        auto dx = Array<T>::from_shape(in.value_shape());
        strided_copy(dx.data(), n.grad.data(), in.value_shape(), strides);
        detail::accumulate(in, dx);
      },
      kNoValues);
  Node<T>& node = *y.node();
  const Shape& xs = x.shape();
  const Shape x_strides = strides_of(xs);
  Shape shape(perm.size()), strides(perm.size());
  for (std::size_t j = 0; j < perm.size(); ++j) {
    shape[j] = xs[perm[j]];
    strides[j] = x_strides[perm[j]];
  }
  node.value.resize(shape);
  strided_copy(node.value.data(), x.value().data(), shape, strides);
  if (node.requires_grad) node.ints.assign(perm.begin(), perm.end());
  return y;
}

// "[1,2]": the position of element `flat` of a row-major array of `shape`.
std::string position_str(const Shape& shape, std::size_t flat) {
  Shape index(shape.size());
  for (std::size_t i = shape.size(); i-- > 0;) {
    index[i] = flat % shape[i];
    flat /= shape[i];
  }
  return shape_str(index);
}

// The flat index of the first id outside [0, limit), or ids.size() when all are inside.
std::size_t first_bad_id(const IndexArray& ids, std::size_t limit) {
  const auto n = static_cast<std::int64_t>(limit);
  for (std::size_t i = 0; i < ids.size(); ++i)
    if (ids.data()[i] < 0 || ids.data()[i] >= n) return i;
  return ids.size();
}

}  // namespace

template <class T>
Var<T> reshape(const Var<T>& x, const std::vector<std::ptrdiff_t>& shape) {
  const Shape resolved = resolve_shape(x.shape(), shape);
  Var<T> y = detail::make_result<T>(
      "reshape", {&x},
      [](Node<T>& n) {
        const Shape& shape = n.input(0).value_shape();
        detail::accumulate(n.input(0),
                           xt::adapt(n.grad.data(), n.grad.size(), xt::no_ownership(), shape));
      },
      kNoValues);
  Array<T>& v = y.node()->value;
  v.resize(resolved);
  std::copy_n(x.value().data(), x.size(), v.data());
  return y;
}

template <class T>
Var<T> transpose(const Var<T>& x) {
  const std::size_t rank = x.rank();
  if (rank < 2)
    throw ShapeError(
        fmt::format("transpose: needs rank at least 2, got shape {}", shape_str(x.shape())));
  Shape perm(rank);
  for (std::size_t i = 0; i < rank; ++i) perm[i] = i;
  std::swap(perm[rank - 2], perm[rank - 1]);
  return permute_impl("transpose", x, perm);
}

template <class T>
Var<T> permute(const Var<T>& x, const std::vector<std::size_t>& perm) {
  const Shape& xs = x.shape();
  if (perm.size() != xs.size())
    throw ShapeError(fmt::format("permute: perm {} has {} axes, but x {} has rank {}",
                                 shape_str(perm), perm.size(), shape_str(xs), xs.size()));
  Shape seen(xs.size(), 0);
  for (std::size_t p : perm) {
    if (p >= xs.size() || seen[p])
      throw ValueError(fmt::format("permute: perm {} is not a permutation of the axes 0..{} of {}",
                                   shape_str(perm), xs.size() - 1, shape_str(xs)));
    seen[p] = 1;
  }
  return permute_impl("permute", x, Shape(perm.begin(), perm.end()));
}

template <class T>
Var<T> narrow(const Var<T>& x, std::ptrdiff_t axis, std::size_t start, std::size_t length) {
  const Shape& xs = x.shape();
  const std::size_t a = detail::normalize_axis("narrow", axis, xs.size());
  if (start > xs[a] || length > xs[a] - start)
    throw ShapeError(fmt::format("narrow: [{}, {}) exceeds extent {} of axis {} in {}", start,
                                 start + length, xs[a], a, shape_str(xs)));
  Var<T> y = detail::make_result<T>(
      "narrow", {&x},
      [](Node<T>& n) {
        Node<T>& in = n.input(0);
        if (!in.requires_grad) return;
        const auto axis = static_cast<std::size_t>(n.ints[0]);
        const auto start = static_cast<std::size_t>(n.ints[1]), length = n.grad.shape()[axis];
        Array<T>& g = grad_to_add_into(in);
        add_into(g.data(), runs_of(g.shape(), axis, start, length), n.grad.data());
      },
      kNoValues);
  Node<T>& node = *y.node();
  Shape shape = xs;
  shape[a] = length;
  node.value.resize(shape);
  copy_out(node.value.data(), runs_of(xs, a, start, length), x.value().data());
  if (node.requires_grad)
    node.ints = {static_cast<std::int64_t>(a), static_cast<std::int64_t>(start)};
  return y;
}

template <class T>
Var<T> select(const Var<T>& x, std::ptrdiff_t axis, std::size_t index) {
  const Shape& xs = x.shape();
  const std::size_t a = detail::normalize_axis("select", axis, xs.size());
  if (index >= xs[a])
    throw IndexError(fmt::format("select: index {} is out of range for extent {} of axis {} in {}",
                                 index, xs[a], a, shape_str(xs)));
  Var<T> y = detail::make_result<T>(
      "select", {&x},
      [](Node<T>& n) {
        Node<T>& in = n.input(0);
        if (!in.requires_grad) return;
        const auto axis = static_cast<std::size_t>(n.ints[0]);
        const auto index = static_cast<std::size_t>(n.ints[1]);
        Array<T>& g = grad_to_add_into(in);
        add_into(g.data(), runs_of(g.shape(), axis, index, 1), n.grad.data());
      },
      kNoValues);
  Node<T>& node = *y.node();
  Shape shape = xs;
  shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(a));
  node.value.resize(shape);
  copy_out(node.value.data(), runs_of(xs, a, index, 1), x.value().data());
  if (node.requires_grad)
    node.ints = {static_cast<std::int64_t>(a), static_cast<std::int64_t>(index)};
  return y;
}

template <class T>
std::vector<Var<T>> split(const Var<T>& x, std::ptrdiff_t axis,
                          const std::vector<std::size_t>& sizes) {
  const Shape& xs = x.shape();
  const std::size_t a = detail::normalize_axis("split", axis, xs.size());
  std::size_t total = 0;
  for (std::size_t s : sizes) total += s;
  if (total != xs[a])
    throw ShapeError(fmt::format("split: sizes {} sum to {}, but axis {} of {} has extent {}",
                                 shape_str(sizes), total, a, shape_str(xs), xs[a]));
  std::vector<Var<T>> parts;
  parts.reserve(sizes.size());
  std::size_t start = 0;
  for (std::size_t s : sizes) {
    parts.push_back(narrow(x, static_cast<std::ptrdiff_t>(a), start, s));
    start += s;
  }
  return parts;
}

template <class T>
std::vector<Var<T>> chunk(const Var<T>& x, std::size_t chunks, std::ptrdiff_t axis) {
  const Shape& xs = x.shape();
  const std::size_t a = detail::normalize_axis("chunk", axis, xs.size());
  if (chunks == 0) throw ValueError("chunk: the number of chunks must be positive, got 0");
  if (xs[a] % chunks != 0)
    throw ShapeError(fmt::format("chunk: extent {} of axis {} in {} is not divisible by {} chunks",
                                 xs[a], a, shape_str(xs), chunks));
  return split(x, axis, std::vector<std::size_t>(chunks, xs[a] / chunks));
}

template <class T>
Var<T> concat(const std::vector<Var<T>>& xs, std::ptrdiff_t axis) {
  if (xs.empty()) throw ValueError("concat: no inputs; needs at least one");
  const Shape& first = xs[0].shape();
  const std::size_t a = detail::normalize_axis("concat", axis, first.size());
  Shape shape = first;
  shape[a] = 0;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const Shape& s = xs[k].shape();
    bool fits = s.size() == first.size();
    for (std::size_t i = 0; fits && i < s.size(); ++i) fits = i == a || s[i] == first[i];
    if (!fits) {
      std::string expected = "[";  // input 0's shape with a * on the axis
      for (std::size_t i = 0; i < first.size(); ++i) {
        if (i > 0) expected += ',';
        expected += i == a ? std::string("*") : std::to_string(first[i]);
      }
      expected += ']';
      throw ShapeError(fmt::format(
          "concat: input {} has shape {}, expected {} matching input 0 {} except on axis {}", k,
          shape_str(s), expected, shape_str(first), a));
    }
    shape[a] += s[a];
  }
  Var<T> y = detail::make_result<T>(
      "concat", xs,
      [](Node<T>& n) {
        const auto axis = static_cast<std::size_t>(n.ints[0]);
        std::size_t start = 0;
        for (std::size_t k = 0; k < n.inputs.size(); ++k) {
          Node<T>& in = n.input(k);
          const std::size_t length = in.value_shape()[axis];
          accumulate_part(in, runs_of(n.grad.shape(), axis, start, length), n.grad.data());
          start += length;
        }
      },
      kNoValues);
  Node<T>& node = *y.node();
  node.value.resize(shape);
  std::size_t start = 0;
  for (const auto& x : xs) {
    copy_into(node.value.data(), runs_of(shape, a, start, x.shape()[a]), x.value().data());
    start += x.shape()[a];
  }
  if (node.requires_grad) node.ints = {static_cast<std::int64_t>(a)};
  return y;
}

template <class T>
Var<T> stack(const std::vector<Var<T>>& xs, std::ptrdiff_t axis) {
  if (xs.empty()) throw ValueError("stack: no inputs; needs at least one");
  const Shape& first = xs[0].shape();
  const std::size_t a = detail::normalize_axis("stack", axis, first.size() + 1);
  for (std::size_t k = 1; k < xs.size(); ++k)
    if (xs[k].shape() != first)
      throw ShapeError(fmt::format("stack: input {} has shape {}, expected {} like input 0", k,
                                   shape_str(xs[k].shape()), shape_str(first)));
  Var<T> y = detail::make_result<T>(
      "stack", xs,
      [](Node<T>& n) {
        // dxs[k] is dy at index k of the new axis.
        const auto axis = static_cast<std::size_t>(n.ints[0]);
        for (std::size_t k = 0; k < n.inputs.size(); ++k)
          accumulate_part(n.input(k), runs_of(n.grad.shape(), axis, k, 1), n.grad.data());
      },
      kNoValues);
  Node<T>& node = *y.node();
  Shape shape(first.size() + 1);
  for (std::size_t i = 0; i < first.size(); ++i) shape[i < a ? i : i + 1] = first[i];
  shape[a] = xs.size();
  node.value.resize(shape);
  for (std::size_t k = 0; k < xs.size(); ++k)
    copy_into(node.value.data(), runs_of(shape, a, k, 1), xs[k].value().data());
  if (node.requires_grad) node.ints = {static_cast<std::int64_t>(a)};
  return y;
}

template <class T>
Var<T> gather_rows(const Var<T>& table, const IndexArray& ids) {
  const Shape& ts = table.shape();
  if (ts.size() != 2)
    throw ShapeError(
        fmt::format("gather_rows: table must be [rows, width], got {}", shape_str(ts)));
  const std::size_t rows = ts[0], width = ts[1];
  if (const std::size_t bad = first_bad_id(ids, rows); bad != ids.size())
    throw IndexError(
        fmt::format("gather_rows: id {} at position {} is out of range for a table of {} rows",
                    ids.data()[bad], position_str(ids.shape(), bad), rows));
  Var<T> y = detail::make_result<T>(
      "gather_rows", {&table},
      [](Node<T>& n) {
        Node<T>& table = n.input(0);
        if (!table.requires_grad) return;
        Array<T>& g = grad_to_add_into(table);
        const std::size_t width = g.shape()[1];
        const T* dy = n.grad.data();
        for (std::size_t i = 0; i < n.ints.size(); ++i, dy += width) {
          T* row = g.data() + static_cast<std::size_t>(n.ints[i]) * width;
          for (std::size_t e = 0; e < width; ++e) row[e] += dy[e];
        }
      },
      kNoValues);
  Node<T>& node = *y.node();
  Shape shape = ids.shape();
  shape.push_back(width);
  node.value.resize(shape);
  T* out = node.value.data();
  for (std::size_t i = 0; i < ids.size(); ++i, out += width)
    std::copy_n(table.value().data() + static_cast<std::size_t>(ids.data()[i]) * width, width, out);
  if (node.requires_grad) node.ints.assign(ids.data(), ids.data() + ids.size());
  return y;
}

template <class T>
Var<T> one_hot(const IndexArray& ids, std::size_t depth) {
  if (const std::size_t bad = first_bad_id(ids, depth); bad != ids.size())
    throw IndexError(fmt::format("one_hot: id {} at position {} is out of range for depth {}",
                                 ids.data()[bad], position_str(ids.shape(), bad), depth));
  Var<T> y = detail::make_result<T>("one_hot", {}, nullptr);
  Array<T>& v = y.node()->value;
  Shape shape = ids.shape();
  shape.push_back(depth);
  v.resize(shape);
  v.fill(T(0));
  for (std::size_t i = 0; i < ids.size(); ++i)
    v.data()[i * depth + static_cast<std::size_t>(ids.data()[i])] = T(1);
  return y;
}

#define UNROLL_INSTANTIATE(T)                                                      \
  template Var<T> reshape(const Var<T>&, const std::vector<std::ptrdiff_t>&);      \
  template Var<T> transpose(const Var<T>&);                                        \
  template Var<T> permute(const Var<T>&, const std::vector<std::size_t>&);         \
  template Var<T> narrow(const Var<T>&, std::ptrdiff_t, std::size_t, std::size_t); \
  template Var<T> select(const Var<T>&, std::ptrdiff_t, std::size_t);              \
  template std::vector<Var<T>> split(const Var<T>&, std::ptrdiff_t,                \
                                     const std::vector<std::size_t>&);             \
  template std::vector<Var<T>> chunk(const Var<T>&, std::size_t, std::ptrdiff_t);  \
  template Var<T> concat(const std::vector<Var<T>>&, std::ptrdiff_t);              \
  template Var<T> stack(const std::vector<Var<T>>&, std::ptrdiff_t);               \
  template Var<T> gather_rows(const Var<T>&, const IndexArray&);                   \
  template Var<T> one_hot<T>(const IndexArray&, std::size_t);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
