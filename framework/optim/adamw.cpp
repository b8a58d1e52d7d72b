#include "framework/optim/adamw.hpp"

namespace unroll {

template <class T>
AdamW<T>::AdamW(NamedParameters<T> parameters, const AdamWOptions& options)
    : Adam<T>("AdamW", std::move(parameters),
              AdamOptions()
                  .lr(options.lr())
                  .betas(options.betas())
                  .eps(options.eps())
                  .weight_decay(options.weight_decay()),
              true) {}

template class AdamW<float>;
template class AdamW<double>;

}  // namespace unroll
