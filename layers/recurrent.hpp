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
#include "framework/ops/recompute.hpp"
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
    if (options.recompute() && options.temporal_skip() > 0)
      throw ValueError(fmt::format(
          "{}: recompute and temporal skip {} cannot be combined (a recomputed block of steps "
          "would need the outputs of earlier blocks)",
          name_, options.temporal_skip()));
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
      const std::size_t block = projection_block_steps(batch, steps);
      Var<T> out;                                    // [B, T, H]
      if (options_.recompute() && grad_enabled()) {  // nothing to recompute when not recording
        for (std::size_t t0 = 0; t0 < steps; t0 += block)
          outputs.push_back(
              recomputed_block(cells_[l], x, t0, std::min(block, steps - t0), masks, state));
        out = outputs.size() == 1 ? outputs[0] : concat(outputs, 1);
      } else {
        for (std::size_t t0 = 0; t0 < steps; t0 += block)
          run_steps(cell, x, t0, std::min(block, steps - t0), options_.temporal_skip(), masks,
                    state, outputs, history);
        out = stack(outputs, 1);
      }
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

  // x[:, t0 .. t0 + count) of [B, T, F]: x itself when that is all of it.
  static Var<T> steps_of(const Var<T>& x, std::size_t t0, std::size_t count) {
    return t0 == 0 && count == x.dim(1) ? x : narrow(x, 1, t0, count);
  }

  // Steps [t0, t0 + count) of one layer, reading x[:, t0 + i] and masks[t0 + i] for step t0 + i;
  // advances `state` and appends each step's output to `outputs`. A projecting cell computes its
  // input side for all `count` steps in one GEMM: [B, count, F] → [B, count, P].
  static void run_steps(const Cell& cell, const Var<T>& x, std::size_t t0, std::size_t count,
                        std::size_t skip, const std::vector<Var<T>>& masks, State<T>& state,
                        std::vector<Var<T>>& outputs, std::vector<Var<T>>& history) {
    Var<T> projected;
    if constexpr (ProjectingCell<Cell>) projected = cell.project_input(steps_of(x, t0, count));
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t t = t0 + i;
      State<T> next;
      if constexpr (ProjectingCell<Cell>) {
        next = cell.step_projected(select(projected, 1, i), state);
      } else {
        next = cell.step(select(x, 1, t), state);
      }
      if (skip > 0 && t >= skip) next[0] = next[0] + history[t - skip];
      if (!masks.empty()) {  // padded rows keep their state: s ← s + m ⊙ (s' − s)
        for (std::size_t j = 0; j < next.size(); ++j)
          next[j] = state[j] + masks[t] * (next[j] - state[j]);
      }
      if (skip > 0) history.push_back(next[0]);
      outputs.push_back(masks.empty() ? next[0] : next[0] * masks[t]);
      state = std::move(next);
    }
  }

  // Steps [t0, t0 + count) as one recompute node (framework/ops/recompute.hpp): it keeps the
  // block's inputs x[:, t0 .. t0 + count) and its first state, and nothing of the steps, which
  // backward runs again. Its value is [B, count + parts, H]: the count outputs, then the final
  // state's parts. Returns the outputs [B, count, H] and advances `state`.
  Var<T> recomputed_block(const std::shared_ptr<Cell>& cell, const Var<T>& x, std::size_t t0,
                          std::size_t count, const std::vector<Var<T>>& masks,
                          State<T>& state) const {
    std::vector<Var<T>> inputs{steps_of(x, t0, count)};
    for (const auto& part : state) inputs.push_back(part);
    std::vector<Var<T>> block_masks;
    if (!masks.empty()) block_masks.assign(masks.begin() + t0, masks.begin() + t0 + count);
    const std::size_t parts = state.size();
    RecomputeFn<T> steps = [cell, count, parts, block_masks,
                            name = name_](const std::vector<Var<T>>& in) {
      State<T> s;
      for (std::size_t k = 0; k < parts; ++k) s.push_back(in[1 + k]);
      std::vector<Var<T>> rows, unused_history;
      run_steps(*cell, in[0], 0, count, 0, block_masks, s, rows, unused_history);
      for (std::size_t k = 0; k < parts; ++k) {
        if (s[k].shape() != s[0].shape())
          throw ShapeError(
              fmt::format("{}: recompute needs every state part shaped like h {}; part {} is {}",
                          name, shape_str(s[0].shape()), k, shape_str(s[k].shape())));
        rows.push_back(s[k]);
      }
      return stack(rows, 1);
    };
    Var<T> y = recompute<T>("recurrent_block", std::move(steps), inputs, cell->parameters());
    for (std::size_t k = 0; k < parts; ++k) state[k] = select(y, 1, count + k);
    return narrow(y, 1, 0, count);
  }

  // Steps per input projection, unless options.block_steps() sets it: enough that one GEMM has
  // kProjectionRows = B·S rows (efficient for oneDNN), few enough that the projection's gradient
  // [B, S, P] — alive while backward crosses the block — stays small: at B = 64, T = 100,
  // P = 2048 one block is 2 MB where the whole sequence would be 52 MB. With recompute, a block
  // is also what backward runs again at once. Measured at M and L: 256 and 512 rows train
  // equally fast (within this machine's noise); 256 holds 7 MB (L) and 40 MB (L, recompute)
  // less than 1024.
  static constexpr std::size_t kProjectionRows = 256;
  std::size_t projection_block_steps(std::size_t batch, std::size_t steps) const {
    const std::size_t wanted =
        options_.block_steps() > 0
            ? options_.block_steps()
            : std::max<std::size_t>(1, (kProjectionRows + batch - 1) / batch);
    return std::min(steps, wanted);
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
