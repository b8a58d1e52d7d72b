// How well a captioner describes scenes: exact captions and words in place, and the loss.
#pragma once

#include <vector>

#include "models/captioner/captioner.hpp"
#include "models/tasks/scenes.hpp"

namespace unroll::captioner {

struct Evaluation {
  double loss = 0;      // teacher-forced cross-entropy per word (nats)
  double exact = 0;     // fraction of captions decoded exactly
  double per_word = 0;  // words equal at their position, over max(len(truth), len(decoded))
};

// The model (eval mode, recording nothing) over `scenes` (not empty), decoding with `beam`
// (1: greedy); the loss `batch` scenes at a time.
Evaluation evaluate(Captioner<float>& model, const std::vector<tasks::Scene>& scenes,
                    std::size_t beam = 1, std::size_t batch = 128);

// Scenes 0 … count − 1 of `split` for `seed` (tasks::make_scene).
std::vector<tasks::Scene> scene_set(std::uint64_t seed, tasks::SceneSplit split, std::size_t count);

}  // namespace unroll::captioner
