#include "framework/distributed/gradient_averager.hpp"

#include <algorithm>
#include <chrono>

namespace unroll::distributed {

GradientAverager::GradientAverager(Communicator& communicator, std::vector<Var<float>> parameters,
                                   std::size_t bucket_elements)
    : communicator_(communicator) {
  if (communicator_.size() == 1) return;
  for (Var<float>& p : parameters)  // a parameter listed twice (shared) is averaged once
    if (std::none_of(parameters_.begin(), parameters_.end(),
                     [&](const Var<float>& q) { return q.node() == p.node(); }))
      parameters_.push_back(std::move(p));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const std::size_t n = parameters_[i].size();
    if (buckets_.empty() ||
        (buckets_.back().values.size() > 0 && buckets_.back().values.size() + n > bucket_elements))
      buckets_.push_back({i, i, {}});
    buckets_.back().last = i + 1;
    buckets_.back().values.resize(buckets_.back().values.size() + n);
  }
  if (buckets_.empty()) buckets_.push_back({});
  // One has-gradient flag per parameter, then the loss.
  buckets_.back().values.resize(buckets_.back().values.size() + parameters_.size() + 1);
}

float GradientAverager::average(float loss) {
  last_seconds_ = 0;
  if (communicator_.size() == 1) return loss;
  const auto start = std::chrono::steady_clock::now();
  for (Bucket& bucket : buckets_) {
    float* out = bucket.values.data();
    for (std::size_t i = bucket.first; i < bucket.last; ++i) {
      const Var<float>& p = parameters_[i];
      if (p.has_grad())
        out = std::copy_n(p.grad().data(), p.size(), out);
      else
        out = std::fill_n(out, p.size(), 0.0f);
    }
    if (&bucket == &buckets_.back()) {
      for (const Var<float>& p : parameters_) *out++ = p.has_grad() ? 1.0f : 0.0f;
      *out = loss;
    }
    communicator_.start_allreduce_sum(bucket.values);
  }
  communicator_.wait_all();
  const float scale = 1.0f / static_cast<float>(communicator_.size());
  const std::vector<float>& last = buckets_.back().values;
  const float* given = last.data() + last.size() - 1 - parameters_.size();  // the flags' sums
  for (Bucket& bucket : buckets_) {
    const float* in = bucket.values.data();
    for (std::size_t i = bucket.first; i < bucket.last; ++i) {
      Node<float>& node = *parameters_[i].node();
      if (given[i] == 0.0f) {  // no rank has a gradient for it
        in += node.value.size();
        continue;
      }
      if (!node.has_grad) {
        node.grad = Array<float>::from_shape(node.value.shape());
        node.has_grad = true;
      }
      float* g = node.grad.data();
      for (std::size_t k = 0; k < node.grad.size(); ++k) g[k] = in[k] * scale;
      in += node.grad.size();
    }
  }
  const float mean_loss = buckets_.back().values.back() * scale;
  last_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return mean_loss;
}

}  // namespace unroll::distributed
