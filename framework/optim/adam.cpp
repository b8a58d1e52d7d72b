#include "framework/optim/adam.hpp"

#include <cmath>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

namespace unroll {

template <class T>
Adam<T>::Adam(const char* name, NamedParameters<T> parameters, const AdamOptions& options,
              bool decoupled)
    : Optimizer<T>(name, std::move(parameters), options.lr()),
      options_(options),
      decoupled_(decoupled) {
  this->check_fraction("beta1", options.betas().first);
  this->check_fraction("beta2", options.betas().second);
  this->check_non_negative("eps", options.eps());
  this->check_non_negative("weight decay", options.weight_decay());
  exp_avg_ = this->add_state("exp_avg");
  exp_avg_sq_ = this->add_state("exp_avg_sq");
}

template <class T>
void Adam<T>::update(std::size_t k, Array<T>& p, const Array<T>& grad) {
  const double lr = this->lr(), wd = options_.weight_decay();
  const double beta1 = options_.betas().first, beta2 = options_.betas().second;
  const double t = static_cast<double>(this->steps());
  const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2);
  const T step_size = static_cast<T>(lr / (1.0 - std::pow(beta1, t)));
  const T bias_correction2_sqrt = static_cast<T>(std::sqrt(1.0 - std::pow(beta2, t)));
  const T eps = static_cast<T>(options_.eps());
  Array<T>& m = this->state(exp_avg_, k);
  Array<T>& v = this->state(exp_avg_sq_, k);

  auto apply = [&](auto&& g) {
    xt::noalias(m) = b1 * m + (T(1) - b1) * g;
    xt::noalias(v) = b2 * v + (T(1) - b2) * g * g;
    xt::noalias(p) += (-step_size * m) / (xt::sqrt(v) / bias_correction2_sqrt + eps);
  };
  if (decoupled_ && wd != 0.0) p *= static_cast<T>(1.0 - lr * wd);
  if (!decoupled_ && wd != 0.0)
    apply(grad + static_cast<T>(wd) * p);
  else
    apply(grad);
}

template class Adam<float>;
template class Adam<double>;

}  // namespace unroll
