#include "framework/ops/recompute.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "framework/ops/op_support.hpp"

namespace unroll {
namespace {

// A 64-bit checksum of a value's bits: four independent multiply–xor lanes (FNV-style) over its
// 8-byte words, folded the same way. Each step is a bijection of its lane, so one changed element
// always changes the result; a pass over y is little next to running f.
template <class T>
std::uint64_t checksum(const Array<T>& a) {
  constexpr std::uint64_t kPrime = 0x100000001b3ull;
  std::uint64_t lanes[4] = {0xcbf29ce484222325ull, 1, 2, 3};
  const auto* bytes = reinterpret_cast<const unsigned char*>(a.data());
  const std::size_t n = a.size() * sizeof(T);
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (std::size_t l = 0; l < 4; ++l) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i + 8 * l, 8);
      lanes[l] = (lanes[l] ^ word) * kPrime;
    }
  for (; i < n; ++i) lanes[0] = (lanes[0] ^ bytes[i]) * kPrime;
  std::uint64_t h = lanes[0];
  for (std::size_t l = 1; l < 4; ++l) h = (h ^ lanes[l]) * kPrime;
  return h;
}

// node.ints[0]: how many of the node's inputs are f's inputs (the rest are the parameters);
// node.ints[1]: the checksum of f's first result, which the second must reproduce bit for bit.
template <class T>
void rerun_and_backpropagate(const RecomputeFn<T>& f, Node<T>& n) {
  typename Tape<T>::Nested nested(tape<T>());
  EnableGrad recording;
  const auto count = static_cast<std::size_t>(n.ints[0]);
  std::vector<Var<T>> copies;
  copies.reserve(count);
  for (std::size_t k = 0; k < count; ++k)
    copies.emplace_back(n.input_value(k), n.input(k).requires_grad);
  Var<T> y = f(copies);
  if (y.shape() != n.grad.shape())
    throw TapeError(
        fmt::format("recompute '{}': the function returned shape {} when run again "
                    "in backward, {} the first time; it must compute the same thing",
                    n.op, shape_str(y.shape()), shape_str(n.grad.shape())));
  if (static_cast<std::int64_t>(checksum(y.value())) != n.ints[1])
    throw TapeError(
        fmt::format("recompute '{}': the function returned a different value of shape {} when "
                    "run again in backward; its gradient would be wrong. It must compute the "
                    "same thing: draw random numbers (dropout, zoneout masks) outside it and pass "
                    "them in as inputs",
                    n.op, shape_str(y.shape())));
  if (!y.node()->requires_grad) return;  // y does not depend on anything that needs a gradient
  y.backward(n.grad);  // the parameters, leaves f uses directly, accumulate their gradients here
  for (std::size_t k = 0; k < count; ++k) {
    Node<T>& copy = *copies[k].node();
    if (copy.has_grad) detail::accumulate(n.input(k), copy.grad);
  }
}

}  // namespace

template <class T>
Var<T> recompute(const char* name, RecomputeFn<T> f, const std::vector<Var<T>>& inputs,
                 const std::vector<Var<T>>& parameters) {
  Var<T> first;
  {
    NoGrad off;
    first = f(inputs);
  }
  // The parameters are inputs of the node too: so that it is recorded when only they need a
  // gradient, and so that changing one before backward is a TapeError (f would see the new
  // value). Backward reads the inputs' values and the parameters' (running f again), never y.
  std::vector<Var<T>> edges = inputs;
  edges.insert(edges.end(), parameters.begin(), parameters.end());
  Var<T> y = detail::make_result<T>(
      detail::intern_op_name(name), edges, [](Node<T>& n) { n.closure(n); },
      input_values(edges.size()));
  Node<T>& node = *y.node();
  Node<T>& computed = *first.node();
  // f's result is a fresh constant only this function holds: take its buffer. (It may also be
  // one of the inputs, returned as is: then copy.)
  const bool fresh = computed.handles == 1 && computed.refs == 1;
  if (fresh)
    node.value = std::move(computed.value);
  else
    node.value = computed.value;
  if (node.requires_grad) {
    node.ints.assign({static_cast<std::int64_t>(inputs.size()),
                      static_cast<std::int64_t>(checksum(node.value))});
    node.closure = [f = std::move(f)](Node<T>& n) { rerun_and_backpropagate(f, n); };
  }
  return y;
}

template Var<float> recompute(const char*, RecomputeFn<float>, const std::vector<Var<float>>&,
                              const std::vector<Var<float>>&);
template Var<double> recompute(const char*, RecomputeFn<double>, const std::vector<Var<double>>&,
                               const std::vector<Var<double>>&);

}  // namespace unroll
