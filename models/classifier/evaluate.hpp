// How well a classifier names held-out snippets: loss, accuracy, the confusion matrix, accuracy
// per length bucket; and its class probabilities for new text.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "framework/thread_tuner.hpp"
#include "models/classifier/batch.hpp"
#include "models/classifier/classifier.hpp"

namespace unroll::classifier {

struct Evaluation {
  double loss = 0;      // mean cross-entropy (nats)
  double accuracy = 0;  // fraction named right
  // confusion[true][predicted]: counts.
  std::vector<std::vector<std::size_t>> confusion;
  // Snippets named right, and all snippets, by length (index = length in symbols).
  std::vector<std::size_t> length_right, length_total;
  // Accuracy over the snippets of min_length to max_length symbols; NaN when there are none.
  double accuracy_between(std::size_t min_length, std::size_t max_length) const;
  std::size_t count_between(std::size_t min_length, std::size_t max_length) const;
};

// The model (in eval mode, recording nothing) over `snippets`, `batch` at a time, shortest first
// (less padding); `threads`, when given, times each batch to choose the compute threads.
// ValueError when snippets is empty.
Evaluation evaluate(Classifier<float>& model, const std::vector<Snippet>& snippets,
                    std::size_t batch = 64, ThreadTuner* threads = nullptr);

// softmax(logits) [N][C] of each text (none empty), `batch` at a time (threads as evaluate's).
std::vector<std::vector<double>> class_probabilities(Classifier<float>& model,
                                                     const std::vector<std::u32string>& texts,
                                                     std::size_t batch = 64,
                                                     ThreadTuner* threads = nullptr);

// The confusion matrix as aligned text: a header of predicted classes, a row per true class.
std::string format_confusion(const Evaluation& e, const std::vector<std::string>& classes);

}  // namespace unroll::classifier
