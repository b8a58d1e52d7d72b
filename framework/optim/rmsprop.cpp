#include "framework/optim/rmsprop.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

namespace unroll {

template <class T>
RMSprop<T>::RMSprop(NamedParameters<T> parameters, const RMSpropOptions& options)
    : Optimizer<T>("RMSprop", std::move(parameters), options.lr()), options_(options) {
  this->check_fraction("alpha", options.alpha());
  this->check_non_negative("eps", options.eps());
  this->check_non_negative("weight decay", options.weight_decay());
  this->check_non_negative("momentum", options.momentum());
  square_avg_ = this->add_state("square_avg");
  if (options.centered()) grad_avg_ = this->add_state("grad_avg");
  if (options.momentum() > 0.0) momentum_buffer_ = this->add_state("momentum_buffer");
}

template <class T>
void RMSprop<T>::update(std::size_t k, Array<T>& p, const Array<T>& grad) {
  const T lr = static_cast<T>(this->lr()), alpha = static_cast<T>(options_.alpha()),
          eps = static_cast<T>(options_.eps()), mu = static_cast<T>(options_.momentum());
  Array<T>& v = this->state(square_avg_, k);

  // With the denominator d as an expression: the momentum or the plain update.
  auto descend = [&](auto&& g, auto&& d) {
    if (options_.momentum() > 0.0) {
      Array<T>& b = this->state(momentum_buffer_, k);
      xt::noalias(b) = mu * b + g / d;
      xt::noalias(p) += -lr * b;
    } else {
      xt::noalias(p) += (-lr * g) / d;
    }
  };
  auto apply = [&](auto&& g) {
    xt::noalias(v) = alpha * v + (T(1) - alpha) * g * g;
    if (options_.centered()) {
      Array<T>& mean = this->state(grad_avg_, k);
      xt::noalias(mean) = alpha * mean + (T(1) - alpha) * g;
      descend(g, xt::sqrt(v - mean * mean) + eps);
    } else {
      descend(g, xt::sqrt(v) + eps);
    }
  };
  if (options_.weight_decay() != 0.0)
    apply(grad + static_cast<T>(options_.weight_decay()) * p);
  else
    apply(grad);
}

template class RMSprop<float>;
template class RMSprop<double>;

}  // namespace unroll
