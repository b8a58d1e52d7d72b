#include "framework/ops/recompute.hpp"

#include <fmt/format.h>

#include <utility>

#include "framework/ops/op_support.hpp"

namespace unroll {
namespace {

// node.ints[0]: how many of the node's inputs are f's inputs; the rest are the parameters.
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
  // value). Backward reads the inputs' values (to run f again), never y.
  std::vector<Var<T>> edges = inputs;
  edges.insert(edges.end(), parameters.begin(), parameters.end());
  Var<T> y = detail::make_result<T>(
      detail::intern_op_name(name), edges, [](Node<T>& n) { n.closure(n); },
      input_values(inputs.size()));
  Node<T>& node = *y.node();
  node.ints.assign({static_cast<std::int64_t>(inputs.size())});
  Node<T>& computed = *first.node();
  // f's result is a fresh constant only this function holds: take its buffer. (It may also be
  // one of the inputs, returned as is: then copy.)
  const bool fresh = computed.handles == 1 && computed.refs == 1;
  if (fresh)
    node.value = std::move(computed.value);
  else
    node.value = computed.value;
  if (node.requires_grad)
    node.closure = [f = std::move(f)](Node<T>& n) { rerun_and_backpropagate(f, n); };
  return y;
}

template Var<float> recompute(const char*, RecomputeFn<float>, const std::vector<Var<float>>&,
                              const std::vector<Var<float>>&);
template Var<double> recompute(const char*, RecomputeFn<double>, const std::vector<Var<double>>&,
                               const std::vector<Var<double>>&);

}  // namespace unroll
