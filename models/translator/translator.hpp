// Translator: the Seq2Seq model (models/seq2seq) built from a TranslatorConfig, so that
// load_checkpoint<Translator<>> rebuilds it from a translate checkpoint. Parameters keep
// Seq2Seq's names: source_embed.weight, encoder.weight_ih_l0[_reverse], decoder.*, attention.*,
// combine.*, head.*.
#pragma once

#include "models/seq2seq/seq2seq.hpp"
#include "models/translator/config.hpp"

namespace unroll::translator {

template <class T = float>
class Translator : public Seq2Seq<T> {
 public:
  explicit Translator(const TranslatorConfig& config, std::uint64_t seed = 1)
      : Seq2Seq<T>(config.seq2seq(), seed), config_(config) {}
  const TranslatorConfig& config() const { return config_; }

 private:
  TranslatorConfig config_;
};

}  // namespace unroll::translator
