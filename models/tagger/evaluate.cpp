#include "models/tagger/evaluate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "framework/ops/select.hpp"

namespace unroll::tagger {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ratio(std::size_t a, std::size_t b) {
  return b == 0 ? kNaN : static_cast<double>(a) / static_cast<double>(b);
}

}  // namespace

std::vector<tasks::CppTag> predict_tags(Tagger<float>& model, const std::u32string& text,
                                        std::size_t batch, ThreadTuner* threads) {
  std::vector<tasks::CppTag> out(text.size(), tasks::CppTag::Code);
  std::vector<std::size_t> cores;  // the start of each window's core
  for (std::size_t c = 0; c < text.size(); c += kCore) cores.push_back(c);
  model.eval();
  NoGrad no_grad;
  for (std::size_t begin = 0; begin < cores.size(); begin += batch) {
    const std::size_t end = std::min(cores.size(), begin + batch);
    std::vector<std::u32string> pieces;
    std::vector<std::vector<tasks::CppTag>> none;
    std::vector<std::size_t> offsets;  // the core's position inside its window
    for (std::size_t w = begin; w < end; ++w) {
      const std::size_t from = cores[w] >= kContext ? cores[w] - kContext : 0;
      const std::size_t to = std::min(text.size(), cores[w] + kCore + kContext);
      pieces.push_back(text.substr(from, to - from));
      none.emplace_back();
      offsets.push_back(cores[w] - from);
    }
    const WindowBatch b = make_batch(pieces, none, model.config());
    const auto start = std::chrono::steady_clock::now();
    if (threads) threads->before_step();
    const IndexArray best = argmax(model.forward(b.ids, b.lengths), 2);  // [n, T]
    if (threads)
      threads->after_step(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    for (std::size_t w = begin; w < end; ++w) {
      const std::size_t i = w - begin;
      const std::size_t n = std::min(kCore, text.size() - cores[w]);
      for (std::size_t t = 0; t < n; ++t)
        out[cores[w] + t] = static_cast<tasks::CppTag>(best(i, offsets[i] + t));
    }
  }
  model.train();
  return out;
}

double Evaluation::accuracy() const { return ratio(right, characters); }

double Evaluation::precision(std::size_t tag) const {
  std::size_t predicted = 0;
  for (const auto& row : confusion) predicted += row[tag];
  return ratio(confusion[tag][tag], predicted);
}

double Evaluation::recall(std::size_t tag) const {
  std::size_t actual = 0;
  for (std::size_t n : confusion[tag]) actual += n;
  return ratio(confusion[tag][tag], actual);
}

double Evaluation::f1(std::size_t tag) const {
  const double p = precision(tag), r = recall(tag);
  return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

Evaluation evaluate(Tagger<float>& model, const std::vector<TaggedText>& files,
                    ThreadTuner* threads) {
  Evaluation e;
  e.confusion.assign(tasks::kCppTagCount, std::vector<std::size_t>(tasks::kCppTagCount, 0));
  for (const TaggedText& f : files) {
    const auto guess = predict_tags(model, f.text, 64, threads);
    for (std::size_t i = 0; i < guess.size(); ++i) {
      const auto t = static_cast<std::size_t>(f.tags[i]), p = static_cast<std::size_t>(guess[i]);
      ++e.confusion[t][p];
      e.right += t == p;
    }
    e.characters += guess.size();
  }
  return e;
}

std::string format_report(const Evaluation& e) {
  constexpr int w = 13;
  std::string out = fmt::format("{:<{}}{:>10}{:>10}{:>10}{:>10}\n", "class", w, "precision",
                                "recall", "F1", "support");
  for (std::size_t t = 0; t < tasks::kCppTagCount; ++t) {
    std::size_t support = 0;
    for (std::size_t n : e.confusion[t]) support += n;
    out += fmt::format("{:<{}}{:>9.2f}%{:>9.2f}%{:>9.2f}%{:>10}\n",
                       tasks::cpp_tag_name(static_cast<tasks::CppTag>(t)), w, 100 * e.precision(t),
                       100 * e.recall(t), 100 * e.f1(t), support);
  }
  out += "confusion (rows: true tag, columns: predicted)\n";
  out += fmt::format("{:<{}}", "true\\pred", w);
  for (std::size_t p = 0; p < tasks::kCppTagCount; ++p)
    out += fmt::format("{:>{}}", tasks::cpp_tag_name(static_cast<tasks::CppTag>(p)), w);
  out += '\n';
  for (std::size_t t = 0; t < tasks::kCppTagCount; ++t) {
    out += fmt::format("{:<{}}", tasks::cpp_tag_name(static_cast<tasks::CppTag>(t)), w);
    for (std::size_t p = 0; p < tasks::kCppTagCount; ++p)
      out += fmt::format("{:>{}}", e.confusion[t][p], w);
    out += '\n';
  }
  return out;
}

}  // namespace unroll::tagger
