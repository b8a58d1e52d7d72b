#include "framework/ops/recompute.hpp"

#include <fmt/format.h>

#include <utility>

#include "framework/ops/op_support.hpp"

namespace unroll {
namespace {

template <class T>
void rerun_and_backpropagate(const RecomputeFn<T>& f, Node<T>& n) {
  typename Tape<T>::Nested nested(tape<T>());
  EnableGrad recording;
  std::vector<Var<T>> copies;
  copies.reserve(n.inputs.size());
  for (std::size_t k = 0; k < n.inputs.size(); ++k)
    copies.emplace_back(n.input_value(k), n.input(k).requires_grad);
  Var<T> y = f(copies);
  if (y.shape() != n.grad.shape())
    throw TapeError(
        fmt::format("recompute '{}': the function returned shape {} when run again "
                    "in backward, {} the first time; it must compute the same thing",
                    n.op, shape_str(y.shape()), shape_str(n.grad.shape())));
  if (!y.node()->requires_grad) return;  // y does not depend on anything that needs a gradient
  y.backward(n.grad);
  for (std::size_t k = 0; k < n.inputs.size(); ++k) {
    Node<T>& copy = *copies[k].node();
    if (copy.has_grad) detail::accumulate(n.input(k), copy.grad);
  }
}

}  // namespace

template <class T>
Var<T> recompute(const char* name, RecomputeFn<T> f, const std::vector<Var<T>>& inputs) {
  Var<T> first;
  {
    NoGrad off;
    first = f(inputs);
  }
  // Backward reads the inputs (to run f again), never y.
  Var<T> y = detail::make_result<T>(
      name, inputs, [](Node<T>& n) { n.closure(n); }, input_values(inputs.size()));
  Node<T>& node = *y.node();
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

template Var<float> recompute(const char*, RecomputeFn<float>, const std::vector<Var<float>>&);
template Var<double> recompute(const char*, RecomputeFn<double>, const std::vector<Var<double>>&);

}  // namespace unroll
