#include "layers/cells/cell.hpp"

#include <fmt/format.h>

#include <cmath>
#include <xtensor/xbuilder.hpp>

namespace unroll {

template <class T>
StandardCell<T>::StandardCell(const char* kind, std::size_t gates, const RecurrentOptions& options)
    : kind_(kind), input_size_(options.input_size()), hidden_size_(options.hidden_size()) {
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
void StandardCell<T>::check_step(const Var<T>& x, const State<T>& state, std::size_t parts) const {
  if (x.rank() != 2 || x.dim(1) != input_size_)
    throw ShapeError(
        fmt::format("{}: input {}: expected [B, {}]", kind_, shape_str(x.shape()), input_size_));
  if (state.size() != parts)
    throw ShapeError(
        fmt::format("{}: state has {} parts, expected {}", kind_, state.size(), parts));
  for (std::size_t i = 0; i < parts; ++i)
    if (state[i].rank() != 2 || state[i].dim(0) != x.dim(0) || state[i].dim(1) != hidden_size_)
      throw ShapeError(fmt::format("{}: state part {} is {}, expected [{}, {}]", kind_, i,
                                   shape_str(state[i].shape()), x.dim(0), hidden_size_));
}

template class StandardCell<float>;
template class StandardCell<double>;

}  // namespace unroll
