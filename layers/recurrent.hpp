// Recurrent<Cell>: unrolls any cell over a sequence, stacked in layers.
//
//   input [B, T, F] (batch_first) or [T, B, F];  initial states: one State per layer (or none:
//   zeros);  lengths: one per batch row (or none: all T).
//   → output [B, T, H] (or [T, B, H]): the last layer's h_t at every step;
//     final_states: each layer's state after its last valid step (h, and c for an LSTM).
//
// Per layer l and step t (everything composed of ops; the tape derives BPTT):
//   state_t = cell_l.step(x_t, state_{t−1})   (a ProjectingCell: project_input(x) once per block
//                                              of steps, then step_projected(p_t, state_{t−1}))
//   temporal skip k:   h_t ← h_t + h_{t−k}  for t ≥ k (h_{t−k} after its own skip), carrying
//                      early information k steps at a time along an additive path
//   lengths:           for t ≥ length_b, row b keeps its state and outputs zeros
//   residual:          x_{l+1} = x_l + layer_l(x_l) for every layer whose input width is H
//                      (from the first such layer on, as in GNMT)
//   dropout p:         on each layer's output except the last, in training mode only
// Truncated BPTT: pass detach()ed final states as the next chunk's initial states.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/shape.hpp"
#include "layers/cells/cell.hpp"
#include "layers/cells/gru.hpp"
#include "layers/cells/lstm.hpp"
#include "layers/cells/rnn.hpp"

namespace unroll {

template <class T>
struct SequenceOutput {
  Var<T> output;              // [B, T, H] (or [T, B, H])
  StateList<T> final_states;  // per layer
};

template <RecurrentCell Cell>
class Recurrent : public Module<typename Cell::value_type> {
 public:
  using T = typename Cell::value_type;
  // Builds cell l from options with input width F (l = 0) or H, and seed + l.
  using CellFactory = std::function<std::shared_ptr<Cell>(const RecurrentOptions& layer_options)>;

  Recurrent(const RecurrentOptions& options, std::string name = "Recurrent")
      : Recurrent(options, std::move(name),
                  [](const RecurrentOptions& o) { return std::make_shared<Cell>(o); }) {}

  Recurrent(const RecurrentOptions& options, std::string name, const CellFactory& make_cell)
      : options_(options), name_(std::move(name)), rng_(options.seed() ^ 0x9e3779b97f4a7c15ULL) {
    if (options.layers() == 0 || options.hidden_size() == 0 || options.input_size() == 0)
      throw ValueError(
          fmt::format("{}: input size {}, hidden size {} and layers {} must all be at "
                      "least 1",
                      name_, options.input_size(), options.hidden_size(), options.layers()));
    if (options.dropout() < 0.0 || options.dropout() >= 1.0)
      throw ValueError(fmt::format("{}: dropout {} is not in [0, 1)", name_, options.dropout()));
    if (options.residual() && first_residual_layer() >= options.layers())
      throw ShapeError(fmt::format(
          "{}: residual connections need a layer whose input width equals the hidden width {}; "
          "the only layer has input width {}",
          name_, options.hidden_size(), options.input_size()));
    for (std::size_t l = 0; l < options.layers(); ++l) {
      RecurrentOptions layer = options;
      layer.input_size(l == 0 ? options.input_size() : options.hidden_size())
          .seed(options.seed() + l);
      auto cell = make_cell(layer);
      if (cell->input_size() != layer.input_size() || cell->hidden_size() != layer.hidden_size())
        throw ShapeError(fmt::format("{}: cell {} is [{} → {}], expected [{} → {}]", name_, l,
                                     cell->input_size(), cell->hidden_size(), layer.input_size(),
                                     layer.hidden_size()));
      cells_.push_back(this->register_flattened("_l" + std::to_string(l), cell));
    }
  }

  SequenceOutput<T> forward(const Var<T>& input, const StateList<T>& initial = {},
                            const std::vector<std::size_t>& lengths = {}) {
    check_input(input);
    Var<T> x = options_.batch_first() ? input : permute(input, {1, 0, 2});  // [B, T, F]
    const std::size_t batch = x.dim(0), steps = x.dim(1);
    check_initial(initial, batch);
    const std::vector<Var<T>> masks = step_masks(lengths, batch, steps);

    SequenceOutput<T> result;
    result.final_states.reserve(cells_.size());
    struct ClearOnExit {  // the per-step lists let go of the graph even when a step throws
      std::vector<Var<T>>& outputs;
      std::vector<Var<T>>& history;
      ~ClearOnExit() { outputs.clear(), history.clear(); }
    } clear_on_exit{outputs_, history_};
    for (std::size_t l = 0; l < cells_.size(); ++l) {
      const Cell& cell = *cells_[l];
      State<T> state = initial.empty() ? cell.initial_state(batch) : initial[l];
      std::vector<Var<T>>& outputs = outputs_;  // reused lists: no allocation per call
      std::vector<Var<T>>& history = history_;
      outputs.clear();
      history.clear();
      // A projecting cell computes its input side for a block of steps at once:
      // [B, S, F] → [B, S, P] (see projection_block_steps).
      Var<T> projected;
      const std::size_t block = projection_block_steps(batch, steps);
      for (std::size_t t = 0; t < steps; ++t) {
        State<T> next;
        if constexpr (ProjectingCell<Cell>) {
          if (t % block == 0)
            projected = cell.project_input(
                block == steps ? x : narrow(x, 1, t, std::min(block, steps - t)));
          next = cell.step_projected(select(projected, 1, t % block), state);
        } else {
          next = cell.step(select(x, 1, t), state);
        }
        const std::size_t k = options_.temporal_skip();
        if (k > 0 && t >= k) next[0] = next[0] + history[t - k];
        if (!masks.empty()) {  // padded rows keep their state: s ← s + m ⊙ (s' − s)
          for (std::size_t i = 0; i < next.size(); ++i)
            next[i] = state[i] + masks[t] * (next[i] - state[i]);
        }
        if (k > 0) history.push_back(next[0]);
        outputs.push_back(masks.empty() ? next[0] : next[0] * masks[t]);
        state = std::move(next);
      }
      Var<T> out = stack(outputs, 1);  // [B, T, H]
      outputs.clear();
      history.clear();
      if (options_.residual() && l >= first_residual_layer()) out = out + x;
      if (l + 1 < cells_.size() && options_.dropout() > 0.0)
        out = dropout(out, options_.dropout(), this->is_training(), rng_);
      result.final_states.push_back(std::move(state));
      x = out;
    }
    result.output = options_.batch_first() ? x : permute(x, {1, 0, 2});
    return result;
  }

  const RecurrentOptions& options() const { return options_; }
  // The generator of the dropout masks (part of a training state that resumes exactly).
  Rng& dropout_rng() { return rng_; }
  const Cell& cell(std::size_t layer) const { return *cells_.at(layer); }

 private:
  std::size_t first_residual_layer() const {
    return options_.input_size() == options_.hidden_size() ? 0 : 1;
  }

  void check_input(const Var<T>& input) const {
    const char* layout =
        options_.batch_first() ? "[B, T, {}] (batch first)" : "[T, B, {}] (time first)";
    if (input.rank() != 3 || input.dim(2) != options_.input_size() || input.dim(0) == 0 ||
        input.dim(1) == 0)
      throw ShapeError(fmt::format("{}: input {}: expected {}", name_, shape_str(input.shape()),
                                   fmt::format(fmt::runtime(layout), options_.input_size())));
  }

  void check_initial(const StateList<T>& initial, std::size_t batch) const {
    if (initial.empty()) return;
    if (initial.size() != cells_.size())
      throw ShapeError(fmt::format("{}: {} initial states given for {} layers", name_,
                                   initial.size(), cells_.size()));
    for (std::size_t l = 0; l < cells_.size(); ++l) {
      const std::size_t parts = cells_[l]->initial_state(1).size();
      if (initial[l].size() != parts)
        throw ShapeError(fmt::format("{}: initial state of layer {} has {} parts, expected {}",
                                     name_, l, initial[l].size(), parts));
      for (std::size_t i = 0; i < parts; ++i) {
        const auto& s = initial[l][i];
        if (s.rank() != 2 || s.dim(0) != batch || s.dim(1) != options_.hidden_size())
          throw ShapeError(
              fmt::format("{}: initial state of layer {} part {} is {}, expected [{}, {}]", name_,
                          l, i, shape_str(s.shape()), batch, options_.hidden_size()));
      }
    }
  }

  // Constant [B, 1] masks, 1 where step t < length_b; none when lengths is empty.
  std::vector<Var<T>> step_masks(const std::vector<std::size_t>& lengths, std::size_t batch,
                                 std::size_t steps) const {
    if (lengths.empty()) return {};
    if (lengths.size() != batch)
      throw ShapeError(
          fmt::format("{}: {} lengths for a batch of {}", name_, lengths.size(), batch));
    for (std::size_t b = 0; b < batch; ++b)
      if (lengths[b] > steps)
        throw ValueError(fmt::format("{}: length {} of row {} exceeds the {} steps", name_,
                                     lengths[b], b, steps));
    std::vector<Var<T>> masks;
    for (std::size_t t = 0; t < steps; ++t) {
      Array<T> m = Array<T>::from_shape({batch, 1});
      for (std::size_t b = 0; b < batch; ++b) m(b, 0) = t < lengths[b] ? T(1) : T(0);
      masks.emplace_back(std::move(m));
    }
    return masks;
  }

  // Steps per input projection: enough that one GEMM has kProjectionRows = B·S rows (efficient
  // for oneDNN), few enough that the projection's gradient [B, S, P] — alive while backward
  // crosses the block — stays small: at B = 64, T = 100, P = 2048 one block is 4 MB where the
  // whole sequence would be 52 MB.
  static constexpr std::size_t kProjectionRows = 512;
  static std::size_t projection_block_steps(std::size_t batch, std::size_t steps) {
    return std::min(steps, std::max<std::size_t>(1, (kProjectionRows + batch - 1) / batch));
  }

  RecurrentOptions options_;
  std::string name_;
  Rng rng_;
  std::vector<std::shared_ptr<Cell>> cells_;
  std::vector<Var<T>> outputs_, history_;  // forward's per-step lists, kept for their capacity
};

// The built-in layers, named and shaped exactly as torch.nn.RNN / LSTM / GRU (batch_first).
template <class T = float>
struct RNN : Recurrent<RNNCell<T>> {
  explicit RNN(const RecurrentOptions& options) : Recurrent<RNNCell<T>>(options, "RNN") {}
};
template <class T = float>
struct LSTM : Recurrent<LSTMCell<T>> {
  explicit LSTM(const RecurrentOptions& options) : Recurrent<LSTMCell<T>>(options, "LSTM") {}
};
template <class T = float>
struct GRU : Recurrent<GRUCell<T>> {
  explicit GRU(const RecurrentOptions& options) : Recurrent<GRUCell<T>>(options, "GRU") {}
};

}  // namespace unroll
