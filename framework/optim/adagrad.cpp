#include "framework/optim/adagrad.hpp"

#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

namespace unroll {

template <class T>
Adagrad<T>::Adagrad(NamedParameters<T> parameters, const AdagradOptions& options)
    : Optimizer<T>("Adagrad", std::move(parameters), options.lr()), options_(options) {
  this->check_non_negative("lr decay", options.lr_decay());
  this->check_non_negative("weight decay", options.weight_decay());
  this->check_non_negative("initial accumulator value", options.initial_accumulator_value());
  this->check_non_negative("eps", options.eps());
  sum_ = this->add_state("sum", options.initial_accumulator_value());
}

template <class T>
void Adagrad<T>::update(std::size_t k, Array<T>& p, const Array<T>& grad) {
  const double t = static_cast<double>(this->steps());
  const T clr = static_cast<T>(this->lr() / (1.0 + (t - 1.0) * options_.lr_decay()));
  const T eps = static_cast<T>(options_.eps());
  Array<T>& s = this->state(sum_, k);
  auto apply = [&](auto&& g) {
    xt::noalias(s) += g * g;
    xt::noalias(p) += (-clr * g) / (xt::sqrt(s) + eps);
  };
  if (options_.weight_decay() != 0.0)
    apply(grad + static_cast<T>(options_.weight_decay()) * p);
  else
    apply(grad);
}

template class Adagrad<float>;
template class Adagrad<double>;

}  // namespace unroll
