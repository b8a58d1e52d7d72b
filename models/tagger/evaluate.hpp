// Tagging whole texts with a trained tagger, and how well it tags held-out files: per-character
// accuracy, per-class precision / recall / F1, the confusion matrix.
#pragma once

#include <string>
#include <vector>

#include "framework/thread_tuner.hpp"
#include "models/tagger/data.hpp"
#include "models/tagger/tagger.hpp"

namespace unroll::tagger {

// The tags of a text of any length: it is cut into windows whose cores of kCore code points are
// read with kContext more on each side (so a bidirectional tagger sees what follows), as in
// training (windows of 256), `batch` windows at a time; a tag is argmax of its core's logits.
inline constexpr std::size_t kCore = 192, kContext = 32;
std::vector<tasks::CppTag> predict_tags(Tagger<float>& model, const std::u32string& text,
                                        std::size_t batch = 64, ThreadTuner* threads = nullptr);

struct Evaluation {
  std::size_t characters = 0, right = 0;
  // confusion[true][predicted]: counts of characters.
  std::vector<std::vector<std::size_t>> confusion;
  double accuracy() const;
  double precision(std::size_t tag) const;  // NaN when nothing was predicted as tag
  double recall(std::size_t tag) const;     // NaN when no character has tag
  double f1(std::size_t tag) const;
};

// Every character of `files` tagged by predict_tags and compared with its lexer tag.
Evaluation evaluate(Tagger<float>& model, const std::vector<TaggedText>& files,
                    ThreadTuner* threads = nullptr);

// Per-class precision, recall, F1 and support, then the confusion matrix, as aligned text.
std::string format_report(const Evaluation& e);

}  // namespace unroll::tagger
