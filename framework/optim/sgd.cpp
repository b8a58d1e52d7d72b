#include "framework/optim/sgd.hpp"

#include <fmt/format.h>

#include <xtensor/xnoalias.hpp>

namespace unroll {

template <class T>
SGD<T>::SGD(NamedParameters<T> parameters, const SGDOptions& options)
    : Optimizer<T>("SGD", std::move(parameters), options.lr()), options_(options) {
  this->check_non_negative("momentum", options.momentum());
  this->check_non_negative("weight decay", options.weight_decay());
  if (options.nesterov() && (options.momentum() <= 0.0 || options.dampening() != 0.0))
    throw ValueError(fmt::format(
        "SGD: Nesterov momentum needs a momentum > 0 and no dampening (momentum {}, dampening {})",
        options.momentum(), options.dampening()));
  if (options.momentum() != 0.0) momentum_buffer_ = this->add_state("momentum_buffer");
}

template <class T>
void SGD<T>::update(std::size_t k, Array<T>& p, const Array<T>& grad) {
  const T lr = static_cast<T>(this->lr()), mu = static_cast<T>(options_.momentum()),
          tau = static_cast<T>(options_.dampening());
  auto apply = [&](auto&& g) {
    if (options_.momentum() == 0.0) {
      xt::noalias(p) += -lr * g;
      return;
    }
    Array<T>& b = this->state(momentum_buffer_, k);
    if (this->steps() == 1)
      xt::noalias(b) = g;
    else
      xt::noalias(b) = mu * b + (T(1) - tau) * g;
    if (options_.nesterov())
      xt::noalias(p) += -lr * (g + mu * b);
    else
      xt::noalias(p) += -lr * b;
  };
  if (options_.weight_decay() != 0.0)
    apply(grad + static_cast<T>(options_.weight_decay()) * p);
  else
    apply(grad);
}

template class SGD<float>;
template class SGD<double>;

}  // namespace unroll
