/// @file
/// Options of the recurrent cells and layers, with chainable setters in the PyTorch C++ style:
///   LSTMOptions(64, 256).layers(2).residual(true).dropout(0.2)
#pragma once

#include <cstddef>
#include <cstdint>

#include "framework/options.hpp"
#include "layers/init.hpp"

namespace unroll {

/// The activation of a vanilla RNN cell.
enum class Nonlinearity { Tanh, Relu };

/// What a temporal skip of distance k adds (layers/recurrent.hpp has the formulas). o_t is the
/// cell's own output at step t, h_t the state the layer carries and outputs.
enum class SkipMode {
  /// h_t = (1 − w) ⊙ o_t + w ⊙ o_{t−k}: mixed with the cell's own output of k steps before
  /// (bounded whatever T is).
  Output,
  /// Dilated recurrence (Chang et al. 2017): the cell reads h_{t−d} instead of h_{t−1}, with
  /// dilation d = k · 2^l in layer l (k, 2k, 4k, … up the stack).
  Dilated,
  /// h_t = o_t + h_{t−k}, the skip-included state: h_t sums about t/k terms and grows without
  /// bound along the sequence. The definition before SkipMode existed; kept so that models
  /// trained with it compute what they computed.
  Accumulate,
};

/// The settings of a cell and of a Recurrent stack of them.
class RecurrentOptions {
 public:
  /// Widths F and H; the other options keep their defaults.
  RecurrentOptions(std::size_t input_size, std::size_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}

  UNROLL_OPTION(RecurrentOptions, std::size_t, input_size, 0)   ///< F: the width of x_t
  UNROLL_OPTION(RecurrentOptions, std::size_t, hidden_size, 0)  ///< H: the width of h_t
  UNROLL_OPTION(RecurrentOptions, std::size_t, layers, 1)       ///< stacked layers
  /// Vanilla RNN only.
  UNROLL_OPTION(RecurrentOptions, Nonlinearity, nonlinearity, Nonlinearity::Tanh)
  /// x_{l+1} = x_l + layer_l(x_l) where widths match.
  UNROLL_OPTION(RecurrentOptions, bool, residual, false)
  UNROLL_OPTION(RecurrentOptions, double, dropout, 0.0)     ///< between layers, in training only
  UNROLL_OPTION(RecurrentOptions, bool, batch_first, true)  ///< [B, T, F] (true) or [T, B, F]
  /// A second cell per layer reads each sequence backwards within its length; the layer outputs
  /// both directions concatenated, [B, T, 2H] (torch.nn.RNN/LSTM/GRU(bidirectional=True)).
  UNROLL_OPTION(RecurrentOptions, bool, bidirectional, false)
  /// W_hh initialization.
  UNROLL_OPTION(RecurrentOptions, RecurrentInit, recurrent_init, RecurrentInit::Uniform)
  /// LSTM only: added to b_ih's forget-gate block.
  UNROLL_OPTION(RecurrentOptions, double, forget_bias, 0.0)
  UNROLL_OPTION(RecurrentOptions, std::uint64_t, seed, 1)  ///< initialization and dropout masks
  /// Keep only each block of steps' inputs and first state; backward runs the block again
  /// (framework/ops/recompute.hpp). About a third more work for the recurrent layers, and the
  /// per-step activations — most of training's memory — are never all held at once.
  UNROLL_OPTION(RecurrentOptions, bool, recompute, false)
  /// Steps per input projection and per recomputed block; 0: enough for 256 rows, ⌈256 / B⌉.
  UNROLL_OPTION(RecurrentOptions, std::size_t, block_steps, 0)

 public:
  /// The kind of temporal skip (below); Output unless set.
  UNROLL_OPTION(RecurrentOptions, SkipMode, skip_mode, SkipMode::Output)
  /// Output skips: the weight w ∈ [0, 1] of o_{t−k}; learned per unit when learn_skip_weight is
  /// set, as w = σ(skip_gate_l{l}) with the gate starting where w is this value.
  UNROLL_OPTION(RecurrentOptions, double, skip_weight, 0.5)
  /// Learn w per unit (see skip_weight).
  UNROLL_OPTION(RecurrentOptions, bool, learn_skip_weight, false)

 public:
  /// k ≥ 1: a temporal skip of distance k, of the kind skip_mode() says (see
  /// layers/recurrent.hpp). Off unless set.
  RecurrentOptions& temporal_skip(std::size_t k);
  std::size_t temporal_skip() const { return temporal_skip_; }  ///< 0: off

 private:
  std::size_t temporal_skip_ = 0;
};

///@{
/// The same options, spelled as PyTorch's C++ API spells them.
using RNNOptions = RecurrentOptions;
using LSTMOptions = RecurrentOptions;
using GRUOptions = RecurrentOptions;
///@}

}  // namespace unroll
