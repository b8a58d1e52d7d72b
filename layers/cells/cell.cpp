#include "layers/cells/cell.hpp"

#include <fmt/format.h>

#include <cmath>
#include <xtensor/xbuilder.hpp>

#include "framework/ops/linalg.hpp"

namespace unroll {

template <class T>
StandardCell<T>::StandardCell(const char* kind, std::size_t gates, std::size_t state_parts,
                              bool fold_hh_bias, const RecurrentOptions& options)
    : kind_(kind),
      gates_(gates),
      state_parts_(state_parts),
      fold_hh_bias_(fold_hh_bias),
      input_size_(options.input_size()),
      hidden_size_(options.hidden_size()) {
  if (input_size_ == 0 || hidden_size_ == 0)
    throw ValueError(fmt::format("{}: input size {} and hidden size {} must both be at least 1",
                                 kind, input_size_, hidden_size_));
  Rng rng(options.seed());
  const std::size_t rows = gates * hidden_size_;
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size_));
  weight_ih = this->register_parameter("weight_ih", uniform<T>({rows, input_size_}, bound, rng));
  Array<T> hh;
  switch (options.recurrent_init()) {
    case RecurrentInit::Uniform:
      hh = uniform<T>({rows, hidden_size_}, bound, rng);
      break;
    case RecurrentInit::Orthogonal:
      hh = orthogonal<T>({rows, hidden_size_}, rng);
      break;
    case RecurrentInit::Identity:
      hh = stacked_identity<T>({rows, hidden_size_});
      break;
  }
  weight_hh = this->register_parameter("weight_hh", std::move(hh));
  bias_ih = this->register_parameter("bias_ih", uniform<T>({rows}, bound, rng));
  bias_hh = this->register_parameter("bias_hh", uniform<T>({rows}, bound, rng));
}

template <class T>
State<T> StandardCell<T>::zeros(std::size_t batch, std::size_t parts) const {
  State<T> state;
  for (std::size_t i = 0; i < parts; ++i)
    state.emplace_back(Array<T>(xt::zeros<T>({batch, hidden_size_})));
  return state;
}

template <class T>
Var<T> StandardCell<T>::project_input(const Var<T>& x) const {
  if (x.rank() < 1 || x.dim(x.rank() - 1) != input_size_)
    throw ShapeError(
        fmt::format("{}: input {}: expected [..., {}]", kind_, shape_str(x.shape()), input_size_));
  return linear(x, weight_ih, projection_bias());
}

template <class T>
State<T> StandardCell<T>::step(const Var<T>& x, const State<T>& state) const {
  if (x.rank() != 2 || x.dim(1) != input_size_)
    throw ShapeError(
        fmt::format("{}: input {}: expected [B, {}]", kind_, shape_str(x.shape()), input_size_));
  return step_projected(project_input(x), state);
}

template <class T>
void StandardCell<T>::check_projected(const Var<T>& p, const State<T>& state) const {
  if (p.rank() != 2 || p.dim(1) != gates_ * hidden_size_)
    throw ShapeError(fmt::format("{}: projected input {}: expected [B, {}]", kind_,
                                 shape_str(p.shape()), gates_ * hidden_size_));
  if (state.size() != state_parts_)
    throw ShapeError(
        fmt::format("{}: state has {} parts, expected {}", kind_, state.size(), state_parts_));
  for (std::size_t i = 0; i < state_parts_; ++i)
    if (state[i].rank() != 2 || state[i].dim(0) != p.dim(0) || state[i].dim(1) != hidden_size_)
      throw ShapeError(fmt::format("{}: state part {} is {}, expected [{}, {}]", kind_, i,
                                   shape_str(state[i].shape()), p.dim(0), hidden_size_));
}

template class StandardCell<float>;
template class StandardCell<double>;

}  // namespace unroll
