// A Captioner's architecture, as caption's options and a checkpoint's __metadata__ describe it.
// The words are always tasks::caption_vocabulary() (models/tasks/scenes.hpp).
#pragma once

#include <map>
#include <string>

namespace unroll::captioner {

struct CaptionerConfig {
  std::size_t encoder = 256;  // the encoder MLP's hidden width (0: one Linear layer)
  std::size_t embed = 32;     // word embedding width
  std::size_t hidden = 128;   // decoder LSTM width

  // program ("caption"), encoder, embed, hidden.
  std::map<std::string, std::string> to_metadata() const;
  // ValueError naming the key for a missing or malformed value, or "its metadata names program
  // 'none', not 'caption'" for another program's checkpoint.
  static CaptionerConfig from_metadata(const std::map<std::string, std::string>& metadata);
  // ValueError naming the setting when embed or hidden is zero.
  void validate() const;
};

}  // namespace unroll::captioner
