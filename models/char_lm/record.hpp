// Recording what a CharLM holds while it reads a text: every chosen layer's state (h, and c for
// an LSTM) and gate activations (LSTM i f g o, GRU r z n) after every character, and the
// logits for the next one — one continuous pass (the state carries from chunk to chunk), no tape.
//
// Row t of every series is the value after reading ids[t]; logits row t scores ids[t + 1].
// Gates are recomputed from the recorded states for all T steps at once, with the cell's own
// gate_activations(p_t, state_{t−1}): exact for every stack except a dilated temporal skip (whose
// cell reads state_{t−d}) and a user-defined stack, for which only the states are recorded.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "framework/thread_tuner.hpp"
#include "models/char_lm/char_lm.hpp"

namespace unroll {

struct RecordOptions {
  std::vector<std::size_t> layers;  // the layers to record (empty: all); IndexError past the last
  bool gates = true;                // the gate activations too (where the stack allows)
  bool logits = false;              // the next-symbol logits [T, V]
  std::size_t chunk = 256;          // steps per forward call
  ThreadTuner* threads = nullptr;   // times each chunk, when given (--threads auto)
  // Called after each chunk with the characters read so far and the total.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// One recorded quantity of one layer over the text.
struct RecordedSeries {
  std::size_t layer = 0;
  std::string part;              // "h", "c", or a gate's name ("i", "f", "g", "o"; "r", "z", "n")
  xt::xtensor<float, 2> values;  // [T, H]
};

struct Recording {
  std::vector<RecordedSeries> series;  // by layer; within one: h, c, then the gates in order
  xt::xtensor<float, 2> logits;        // [T, V] (RecordOptions::logits), else empty
  std::string no_gates;  // why gates were not recorded although asked for; empty otherwise

  // The series of `part` of `layer`, or nullptr.
  const RecordedSeries* find(std::size_t layer, const std::string& part) const;
};

// Reads `ids` (each < the vocabulary's size) from zero states, in eval mode. ValueError for an
// empty text, IndexError for a layer or symbol out of range.
Recording record_states(CharLM<float>& model, const std::vector<std::int64_t>& ids,
                        const RecordOptions& options = {});

// The recording as a safetensors file: "layer{l}.{part}" [T, H] and "logits" [T, V] (F32), and
// `metadata` plus "text" (the recorded characters, UTF-8), "parts" (the tensors' names in order,
// a JSON array) — for numpy and PyTorch readers. Written atomically.
void write_recording(const std::string& path, const Recording& recording,
                     const std::u32string& text, std::map<std::string, std::string> metadata);

}  // namespace unroll
