#include "models/classifier/evaluate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "framework/errors.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/select.hpp"

namespace unroll::classifier {
namespace {

// The indices of `lengths` sorted by length (stable): batches of similar lengths pad little.
std::vector<std::size_t> shortest_first(const std::vector<std::size_t>& lengths) {
  std::vector<std::size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return lengths[a] < lengths[b]; });
  return order;
}

// Tells `threads` (when given) how long the scope took: one step of its timing.
class TimedStep {
 public:
  explicit TimedStep(ThreadTuner* threads)
      : threads_(threads), start_(std::chrono::steady_clock::now()) {
    if (threads_) threads_->before_step();
  }
  ~TimedStep() {
    if (threads_)
      threads_->after_step(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  TimedStep(const TimedStep&) = delete;
  TimedStep& operator=(const TimedStep&) = delete;

 private:
  ThreadTuner* threads_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

double Evaluation::accuracy_between(std::size_t min_length, std::size_t max_length) const {
  std::size_t right = 0, total = 0;
  for (std::size_t n = min_length; n <= max_length && n < length_total.size(); ++n)
    right += length_right[n], total += length_total[n];
  return total == 0 ? std::numeric_limits<double>::quiet_NaN()
                    : static_cast<double>(right) / static_cast<double>(total);
}

std::size_t Evaluation::count_between(std::size_t min_length, std::size_t max_length) const {
  std::size_t total = 0;
  for (std::size_t n = min_length; n <= max_length && n < length_total.size(); ++n)
    total += length_total[n];
  return total;
}

Evaluation evaluate(Classifier<float>& model, const std::vector<Snippet>& snippets,
                    std::size_t batch, ThreadTuner* threads) {
  if (snippets.empty()) throw ValueError("evaluate: no snippets");
  const std::size_t classes = model.config().classes.size();
  std::vector<std::size_t> lengths;
  std::size_t longest = 0;
  for (const Snippet& s : snippets) {
    lengths.push_back(s.text.size());
    longest = std::max(longest, s.text.size());
  }
  Evaluation e;
  e.confusion.assign(classes, std::vector<std::size_t>(classes, 0));
  e.length_right.assign(longest + 1, 0);
  e.length_total.assign(longest + 1, 0);
  const std::vector<std::size_t> order = shortest_first(lengths);
  model.eval();
  NoGrad no_grad;
  double loss_sum = 0;
  std::size_t right = 0;
  for (std::size_t begin = 0; begin < order.size(); begin += batch) {
    std::vector<Snippet> part;
    for (std::size_t i = begin; i < std::min(order.size(), begin + batch); ++i)
      part.push_back(snippets[order[i]]);
    const SnippetBatch b = make_batch(part, model.config());
    const TimedStep timed(threads);
    const Var<float> logits = model.forward(b.ids, b.lengths);  // [n, C]
    loss_sum += static_cast<double>(Classifier<float>::loss(logits, b.labels).value()()) *
                static_cast<double>(part.size());
    const IndexArray predicted = argmax(logits, 1);
    for (std::size_t i = 0; i < part.size(); ++i) {
      const auto truth = static_cast<std::size_t>(b.labels(i));
      const auto guess = static_cast<std::size_t>(predicted(i));
      ++e.confusion[truth][guess];
      ++e.length_total[b.lengths[i]];
      if (truth == guess) ++right, ++e.length_right[b.lengths[i]];
    }
  }
  model.train();
  e.loss = loss_sum / static_cast<double>(snippets.size());
  e.accuracy = static_cast<double>(right) / static_cast<double>(snippets.size());
  return e;
}

std::vector<std::vector<double>> class_probabilities(Classifier<float>& model,
                                                     const std::vector<std::u32string>& texts,
                                                     std::size_t batch, ThreadTuner* threads) {
  std::vector<std::vector<double>> out(texts.size());
  std::vector<std::size_t> lengths;
  for (const auto& t : texts) lengths.push_back(t.size());
  const std::vector<std::size_t> order = shortest_first(lengths);
  model.eval();
  NoGrad no_grad;
  for (std::size_t begin = 0; begin < order.size(); begin += batch) {
    std::vector<Snippet> part;
    for (std::size_t i = begin; i < std::min(order.size(), begin + batch); ++i)
      part.push_back({texts[order[i]], 0});
    const SnippetBatch b = make_batch(part, model.config());
    const TimedStep timed(threads);
    const Array<float> p = softmax(model.forward(b.ids, b.lengths), 1).value();  // [n, C]
    for (std::size_t i = 0; i < part.size(); ++i) {
      auto& row = out[order[begin + i]];
      for (std::size_t c = 0; c < p.shape()[1]; ++c) row.push_back(static_cast<double>(p(i, c)));
    }
  }
  model.train();
  return out;
}

std::string format_confusion(const Evaluation& e, const std::vector<std::string>& classes) {
  std::size_t width = 9;
  for (const auto& c : classes) width = std::max(width, c.size() + 1);
  std::string out = fmt::format("{:<{}}", "true\\pred", width);
  for (const auto& c : classes) out += fmt::format("{:>{}}", c, width);
  out += '\n';
  for (std::size_t t = 0; t < classes.size(); ++t) {
    out += fmt::format("{:<{}}", classes[t], width);
    for (std::size_t p = 0; p < classes.size(); ++p)
      out += fmt::format("{:>{}}", e.confusion[t][p], width);
    out += '\n';
  }
  return out;
}

}  // namespace unroll::classifier
