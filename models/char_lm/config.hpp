// A CharLM's architecture, as charlm's options and a checkpoint's __metadata__ describe it.
#pragma once

#include <map>
#include <string>

#include "models/text/vocabulary.hpp"

namespace unroll {

struct CharLMConfig {
  std::string cell = "lstm";          // rnn | lstm | gru
  std::string nonlinearity = "tanh";  // tanh | relu (rnn only)
  std::size_t layers = 2;
  std::size_t hidden = 256;
  std::size_t embed = 64;
  bool residual = false;
  double dropout = 0.0;
  std::size_t temporal_skip = 0;  // 0: off
  // output | dilated | accumulate (SkipMode). A checkpoint written before skip modes existed
  // has no skip_mode key and loads as accumulate, the definition it was trained with.
  std::string skip_mode = "output";
  // Recompute each block of steps in backward instead of keeping its activations (see
  // RecurrentOptions::recompute). How training spends memory, not what the model computes, so
  // it is not part of the checkpoint's metadata.
  bool recompute = false;
  Vocabulary vocabulary = Vocabulary(U" ");

  // The checkpoint's __metadata__: cell, nonlinearity, layers, hidden, embed, vocab (JSON array),
  // residual, dropout, temporal_skip, skip_mode.
  std::map<std::string, std::string> to_metadata() const;
  // Required: cell, layers, hidden, embed, vocab; the rest default (nonlinearity: tanh). Sizes
  // are digits, dropout one number. ValueError naming the key for a missing or malformed value.
  static CharLMConfig from_metadata(const std::map<std::string, std::string>& metadata);
  // ValueError naming the setting when a size is zero, the cell or skip mode unknown, dropout
  // outside [0, 1).
  void validate() const;
};

}  // namespace unroll
