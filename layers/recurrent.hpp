/// @file
/// Recurrent<Cell>: unrolls any cell over a sequence, stacked in layers.
///
///   input [B, T, F] (batch_first) or [T, B, F];  initial states: one State per layer (or none:
///   zeros);  lengths: one per batch row (or none: all T).
///   → output [B, T, H] (or [T, B, H]): the last layer's h_t at every step;
///     final_states: each layer's state after its last valid step (h, and c for an LSTM);
///     step_states (ForwardOptions::keep_states): every layer's state after every step.
///   bidirectional: each layer l has a forward cell and a reverse cell (parameters *_l{l} and
///     *_l{l}_reverse, as PyTorch names them). The reverse cell reads reverse_sequence(x_l,
///     lengths) — each row backwards within its own length, padding left at the end — and its
///     outputs are put back in time order; the layer outputs [B, T, 2H], both directions
///     concatenated, which the next layer reads. States (initial, final, kept) are listed per
///     layer and direction in PyTorch's order: l0, l0 reverse, l1, l1 reverse, … Residual and
///     temporal skips apply within each direction along its own reading order (residual where
///     the layer's input width is 2H); the stepwise API is for one direction only.
///
/// Per layer l and step t (everything composed of ops; the tape derives BPTT), with o_t the
/// cell's own output and h_t the state the layer carries and outputs:
///   o_t = cell_l.step(x_t, h_{t−1})          (a ProjectingCell: project_input(x) once per block
///                                             of steps, then step_projected(p_t, h_{t−1}))
///   temporal skip of distance k (RecurrentOptions::skip_mode), for t ≥ k:
///     Output:      h_t = (1 − w) ⊙ o_t + w ⊙ o_{t−k}, w ∈ [0, 1] fixed, or learned per unit
///                  as w = σ(skip_gate_l{l}): a convex mix, so h stays as bounded as the cell's
///                  outputs (|h| ≤ 1 for tanh, LSTM and GRU cells) whatever T is
///     Dilated:     o_t = cell_l.step(x_t, h_{t−d}), d = k · 2^l (Chang et al. 2017); steps
///                  t < d read the initial state, so the layer runs d interleaved chains
///     Accumulate:  h_t = o_t + h_{t−k}       (the skip-included state: grows with T; legacy)
///   lengths:       for t ≥ length_b, row b keeps its state and outputs zeros (an exact select:
///                  nothing computed in a padded row reaches a valid one)
///   residual:      x_{l+1} = x_l + layer_l(x_l) for every layer whose input width is H
///                  (from the first such layer on, as in GNMT)
///   dropout p:     on each layer's output except the last, in training mode only
/// Truncated BPTT: pass detach()ed final states as the next chunk's initial states (a skip's
/// history does not carry over: a dilated layer restarts its d chains from the final state).
///
/// The stepwise API runs the same definitions one step at a time through every layer:
///   StepState<T> s = rnn.start(batch);          (or start(initial_states))
///   StepOutput<T> r = rnn.step(x_t, s);         x_t [B, F] → r.output [B, H], r.state
/// A StepState carries each layer's state and the history its temporal skip reads later (the
/// last k cell outputs, or the last d states of a dilated layer), so T calls of step give what
/// forward gives (dropout draws its masks per step instead of per sequence).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "framework/ops/elementwise.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/recompute.hpp"
#include "framework/ops/sequence.hpp"
#include "framework/ops/shape.hpp"
#include "layers/cells/cell.hpp"
#include "layers/cells/gru.hpp"
#include "layers/cells/lstm.hpp"
#include "layers/cells/rnn.hpp"

namespace unroll {

/// How Recurrent::forward runs, beyond its inputs.
struct ForwardOptions {
  /// Also return every layer's state after every step (SequenceOutput::step_states): Vars in
  /// the graph, so retain_grad() on them before backward gives ∂L/∂h_t for every t and layer.
  bool keep_states = false;
  /// The input's rows are rows [offset, offset + B) of a batch of `total` split over processes
  /// (its axis is the batch axis, whatever `axis` says): dropout applies that part of the
  /// masks the whole batch would draw, so the processes together train as one would.
  BatchShard batch = {};
};

/// What Recurrent::forward returns.
template <class T>
struct SequenceOutput {
  Var<T> output;              ///< [B, T, H] (or [T, B, H])
  StateList<T> final_states;  ///< per layer
  /// With keep_states: step_states[l][t] is layer l's state after step t (h_t, and c_t for an
  /// LSTM), each part [B, H]; a padded step repeats the row's last valid state. Bidirectional:
  /// step_states[2l] forward, step_states[2l + 1] reverse, the latter in its reading order (its
  /// step t read x at length_b − 1 − t).
  std::vector<std::vector<State<T>>> step_states;
};

/// A stack of `Cell` layers unrolled over sequences (see the top of this file).
template <RecurrentCell Cell>
class Recurrent;

/// One layer's carry between steps: its state and what its temporal skip reads later.
template <class T>
struct LayerCarry {
  State<T> state;  ///< h_{t−1} (and c_{t−1}), unless the ring holds whole states
  /// Ring of the last `distance` entries, written at t mod distance: the cell outputs o (Output),
  /// or whole states (Accumulate, Dilated), every entry starting as the initial state — then the
  /// state after the last step is the entry before t mod distance, and there is one copy of it.
  std::vector<State<T>, CachingAllocator<State<T>>> past;
  std::size_t distance = 0;     ///< 0: no skip
  bool states_in_ring = false;  ///< Accumulate, Dilated
  bool dilated = false;         ///< the cell reads h_{t−d} = past[t mod d] instead of h_{t−1}
  std::size_t t = 0;            ///< steps taken

  /// The state after the last step: what the next step's mask keeps and a hook may change.
  State<T>& current() { return states_in_ring ? past[(t + distance - 1) % distance] : state; }
  /// @copydoc current()
  const State<T>& current() const {
    return states_in_ring ? past[(t + distance - 1) % distance] : state;
  }
};

/// The stepwise API's state (see above): every layer's carry, from Recurrent::start.
template <class T>
class StepState {
 public:
  std::size_t layers() const { return layers_.size(); }                     ///< layers carried
  std::size_t steps() const { return layers_.empty() ? 0 : layers_[0].t; }  ///< steps taken
  /// Layer l's state after the last step (h, and c for an LSTM). Writable: a change is what the
  /// next step reads as h_{t−1} (a generation hook clamps cells this way), and what a skip reads
  /// k steps later (Accumulate); a dilated layer's cell reads it d steps later, as h_{t−d}.
  State<T>& layer(std::size_t l) { return layers_.at(l).current(); }
  const State<T>& layer(std::size_t l) const { return layers_.at(l).current(); }  ///< read-only
  /// Every layer's current state: final_states of the steps taken so far.
  StateList<T> states() const {
    StateList<T> out;
    for (const auto& c : layers_) out.push_back(c.current());
    return out;
  }

 private:
  template <RecurrentCell Cell>
  friend class Recurrent;
  std::vector<LayerCarry<T>> layers_;
  Var<T> top_input_;  ///< the last layer's input at the last step (its residual term)
};

/// What Recurrent::step returns.
template <class T>
struct StepOutput {
  Var<T> output;       ///< [B, H]: the last layer's output
  StepState<T> state;  ///< every layer's state after the step
};

template <RecurrentCell Cell>
class Recurrent : public Module<typename Cell::value_type> {
 public:
  using T = typename Cell::value_type;  ///< float or double, the cell's
  /// Builds cell l from options with input width F (l = 0) or H, and seed + l.
  using CellFactory = std::function<std::shared_ptr<Cell>(const RecurrentOptions& layer_options)>;

  /// `options.layers()` cells built by Cell's constructor; `name` heads its error messages.
  Recurrent(const RecurrentOptions& options, std::string name = "Recurrent")
      : Recurrent(options, std::move(name),
                  [](const RecurrentOptions& o) { return std::make_shared<Cell>(o); }) {}

  /// The cells made by `make_cell` (ShapeError when one's widths are not the layer's);
  /// ValueError or ShapeError naming the setting for options that do not go together.
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
          "{}: residual connections need a layer whose input width equals its output width {}; "
          "the only layer has input width {}",
          name_, output_width(), options.input_size()));
    if (options.recompute() && options.temporal_skip() > 0)
      throw ValueError(fmt::format(
          "{}: recompute and temporal skip {} cannot be combined (a recomputed block of steps "
          "would need the outputs of earlier blocks)",
          name_, options.temporal_skip()));
    if (options.learn_skip_weight() &&
        (options.temporal_skip() == 0 || options.skip_mode() != SkipMode::Output))
      throw ValueError(fmt::format(
          "{}: a learned skip weight needs a temporal skip of mode Output (temporal skip {})",
          name_, options.temporal_skip()));
    for (std::size_t i = 0; i < options.layers() * directions(); ++i) {
      const std::size_t l = i / directions(), d = i % directions();
      RecurrentOptions layer = options;
      layer.input_size(l == 0 ? options.input_size() : output_width())
          .seed(options.seed() + l + d * kReverseSeed);
      auto cell = make_cell(layer);
      if (cell->input_size() != layer.input_size() || cell->hidden_size() != layer.hidden_size())
        throw ShapeError(fmt::format("{}: cell {} is [{} → {}], expected [{} → {}]", name_,
                                     cell_name(i), cell->input_size(), cell->hidden_size(),
                                     layer.input_size(), layer.hidden_size()));
      cells_.push_back(this->register_flattened(parameter_suffix(i), cell));
    }
    if (!(options.skip_weight() >= 0.0 && options.skip_weight() <= 1.0))
      throw ValueError(
          fmt::format("{}: skip weight {} is not in [0, 1]", name_, options.skip_weight()));
    if (options.learn_skip_weight()) {
      const double w = options.skip_weight();
      if (w == 0.0 || w == 1.0)
        throw ValueError(fmt::format(
            "{}: a learned skip weight starts at σ(gate) and cannot start at {} (use (0, 1))",
            name_, w));
      for (std::size_t i = 0; i < cells_.size(); ++i) {
        Array<T> gate = Array<T>::from_shape({options.hidden_size()});
        gate.fill(static_cast<T>(std::log(w / (1.0 - w))));  // σ(gate) = w
        skip_gates_.push_back(
            this->register_parameter("skip_gate" + parameter_suffix(i), std::move(gate)));
      }
    }
  }

  /// The whole sequence (see the top of this file): `initial` one state per layer and direction
  /// (none: zeros), `lengths` one per row (none: all T). ShapeError for inputs that do not fit.
  SequenceOutput<T> forward(const Var<T>& input, const StateList<T>& initial = {},
                            const std::vector<std::size_t>& lengths = {},
                            const ForwardOptions& how = {}) {
    check_input(input);
    if (how.keep_states && options_.recompute() && grad_enabled())
      throw ValueError(fmt::format(
          "{}: keep_states needs every step's state in the graph; recompute keeps none of them",
          name_));
    Var<T> x = options_.batch_first() ? input : permute(input, {1, 0, 2});  // [B, T, F]
    const std::size_t batch = x.dim(0), steps = x.dim(1);
    check_initial(initial, batch, "initial state");
    const Masks masks = step_masks(lengths, batch, steps);
    if (!masks.empty()) x = unroll::where(masks.valid, x, masks.zero);  // padding reads zeros

    SequenceOutput<T> result;
    result.final_states.reserve(cells_.size());
    if (how.keep_states) result.step_states.resize(cells_.size());
    struct ClearOnExit {  // the per-step list lets go of the graph even when a step throws
      std::vector<Var<T>>& outputs;
      ~ClearOnExit() { outputs.clear(); }
    } clear_on_exit{outputs_};
    const std::vector<std::size_t> reverse_lengths = directions() == 1 ? std::vector<std::size_t>{}
                                                     : lengths.empty()
                                                         ? std::vector<std::size_t>(batch, steps)
                                                         : lengths;
    for (std::size_t l = 0; l < options_.layers(); ++l) {
      Var<T> out;  // [B, T, D·H]
      std::array<Var<T>, 2> per_direction;
      for (std::size_t d = 0; d < directions(); ++d) {
        const std::size_t i = l * directions() + d;
        const Var<T> in = d == 0 ? x : reverse_sequence(x, reverse_lengths);
        LayerCarry<T> carry =
            start_layer(i, initial.empty() ? cells_[i]->initial_state(batch) : initial[i]);
        Var<T> read =
            run_direction(i, in, masks, carry, how.keep_states ? &result.step_states[i] : nullptr);
        per_direction[d] = d == 0 ? read : reverse_sequence(read, reverse_lengths);
        result.final_states.push_back(std::move(carry.current()));
      }
      out = directions() == 1 ? per_direction[0] : concat({per_direction[0], per_direction[1]}, 2);
      if (options_.residual() && l >= first_residual_layer()) out = out + x;
      if (l + 1 < options_.layers() && options_.dropout() > 0.0)
        out = dropout(out, options_.dropout(), this->is_training(), rng_,
                      BatchShard{0, how.batch.offset, how.batch.total});  // out [B, T, D·H]
      x = out;
    }
    result.output = options_.batch_first() ? x : permute(x, {1, 0, 2});
    return result;
  }

  /// The stepwise API (see the top of this file). Zero states for `batch` rows, or the given
  /// per-layer states (ShapeError naming the layer and the shapes when they do not fit).
  StepState<T> start(std::size_t batch) const {
    StateList<T> zeros;
    for (const auto& cell : cells_) zeros.push_back(cell->initial_state(batch));
    return start(zeros);
  }
  /// @copydoc start(std::size_t) const
  StepState<T> start(const StateList<T>& initial) const {
    if (directions() == 2)
      throw ValueError(fmt::format(
          "{}: a bidirectional layer reads whole sequences; the stepwise API (start, step) is for "
          "one direction",
          name_));
    if (initial.empty())
      throw ShapeError(
          fmt::format("{}: start needs one state per layer ({}), got none", name_, cells_.size()));
    check_initial(initial, initial[0].empty() ? 0 : initial[0][0].dim(0), "state");
    StepState<T> s;
    for (std::size_t l = 0; l < cells_.size(); ++l) s.layers_.push_back(start_layer(l, initial[l]));
    return s;
  }

  /// One step through every layer: x_t [B, F] → the last layer's output [B, H] and the next
  /// state. ShapeError when x_t or the state does not fit (a state of another batch size too).
  StepOutput<T> step(const Var<T>& x_t, const StepState<T>& state) {
    if (directions() == 2)
      throw ValueError(fmt::format("{}: a bidirectional layer has no stepwise API", name_));
    if (state.layers_.size() != cells_.size())
      throw ShapeError(fmt::format("{}: step given a state of {} layers for {} layers", name_,
                                   state.layers_.size(), cells_.size()));
    if (state.layers_[0].current().empty())
      throw ShapeError(fmt::format("{}: step given a state whose layer 0 has no parts", name_));
    const std::size_t batch = state.layers_[0].current()[0].dim(0);
    if (x_t.rank() != 2 || x_t.dim(0) != batch || x_t.dim(1) != options_.input_size())
      throw ShapeError(fmt::format("{}: step input {}: expected [{}, {}] (the state's batch)",
                                   name_, shape_str(x_t.shape()), batch, options_.input_size()));
    check_initial(state.states(), batch, "state");
    StepOutput<T> r{Var<T>(), state};
    Var<T> x = x_t;
    for (std::size_t l = 0; l < cells_.size(); ++l) {
      State<T> next = advance(*cells_[l], skip_of(l), x, false, r.state.layers_[l], nullptr);
      Var<T> out = next[0];
      if (l + 1 == cells_.size()) r.state.top_input_ = x;
      if (options_.residual() && l >= first_residual_layer()) out = out + x;
      if (l + 1 < cells_.size() && options_.dropout() > 0.0)
        out = dropout(out, options_.dropout(), this->is_training(), rng_);
      x = out;
    }
    r.output = x;
    return r;
  }

  /// The last layer's output [B, H] for a state from step(): after a change to its h (a clamped
  /// cell), the output that reflects it. ValueError before the first step.
  Var<T> output(const StepState<T>& state) const {
    if (!state.top_input_.defined())
      throw ValueError(fmt::format("{}: output of a state that has taken no step", name_));
    const Var<T>& h = state.layers_.back().current()[0];
    return options_.residual() && cells_.size() - 1 >= first_residual_layer() ? h + state.top_input_
                                                                              : h;
  }

  const RecurrentOptions& options() const { return options_; }  ///< as constructed
  /// The generator of the dropout masks (part of a training state that resumes exactly).
  Rng& dropout_rng() { return rng_; }
  /// Cell i: layer i / D's direction i % D (D = 2 when bidirectional, else 1).
  const Cell& cell(std::size_t i) const { return *cells_.at(i); }
  std::size_t layers() const { return options_.layers(); }  ///< stacked layers

 private:
  /// Which rows are valid at each step, for the exact selects of padded steps.
  struct Masks {
    std::vector<xt::xarray<bool>> steps;  ///< [B, 1] per step: t < length_b
    xt::xarray<bool> valid;               ///< [B, T, 1]: the same for the whole sequence
    Var<T> zero;                          ///< [1]: what a padded step outputs
    bool empty() const { return steps.empty(); }
  };

  /// What layer l's temporal skip needs: its kind, its distance (0: none) and its weight.
  struct Skip {
    SkipMode mode = SkipMode::Output;
    std::size_t distance = 0;
    T weight = 1;
    Var<T> gate;  ///< [H], w = σ(gate) when the weight is learned; else undefined
  };
  /// Of cell i (layer i / D).
  Skip skip_of(std::size_t i) const {
    const std::size_t k = options_.temporal_skip();
    Skip s{options_.skip_mode(), k, static_cast<T>(options_.skip_weight()), {}};
    if (k > 0 && s.mode == SkipMode::Dilated) s.distance = k << (i / directions());
    if (!skip_gates_.empty()) s.gate = skip_gates_[i];
    return s;
  }

  /// Cell i over all the steps of `x` [B, T, F_l] in reading order, from `carry`: the outputs
  /// [B, T, H] (zeros at padded steps); advances `carry`, appends each step's state to `kept`.
  Var<T> run_direction(std::size_t i, const Var<T>& x, const Masks& masks, LayerCarry<T>& carry,
                       std::vector<State<T>>* kept) {
    const std::size_t batch = x.dim(0), steps = x.dim(1);
    const std::size_t block = projection_block_steps(batch, steps);
    std::vector<Var<T>>& outputs = outputs_;  // reused list: no allocation per call
    outputs.clear();
    Var<T> out;
    if (options_.recompute() && grad_enabled()) {  // nothing to recompute when not recording
      for (std::size_t t0 = 0; t0 < steps; t0 += block)
        outputs.push_back(
            recomputed_block(cells_[i], x, t0, std::min(block, steps - t0), masks, carry.state));
      out = outputs.size() == 1 ? outputs[0] : concat(outputs, 1);
    } else {
      for (std::size_t t0 = 0; t0 < steps; t0 += block)
        run_steps(*cells_[i], skip_of(i), x, t0, std::min(block, steps - t0), masks, carry, outputs,
                  kept);
      out = stack(outputs, 1);
    }
    outputs.clear();
    return out;
  }

  std::size_t directions() const { return options_.bidirectional() ? 2 : 1; }
  std::size_t output_width() const { return directions() * options_.hidden_size(); }
  /// Cell i is layer i / D's direction i % D: "_l{l}", or "_l{l}_reverse" (PyTorch's names).
  std::string parameter_suffix(std::size_t i) const {
    return "_l" + std::to_string(i / directions()) + (i % directions() ? "_reverse" : "");
  }
  std::string cell_name(std::size_t i) const {
    return std::to_string(i / directions()) + (i % directions() ? " reverse" : "");
  }
  /// Seeds of the reverse cells: seed + l + kReverseSeed (the forward cells keep seed + l).
  static constexpr std::uint64_t kReverseSeed = 7919;

  LayerCarry<T> start_layer(std::size_t l, const State<T>& initial) const {
    const Skip skip = skip_of(l);
    LayerCarry<T> c;
    c.distance = skip.distance;
    c.states_in_ring = skip.distance > 0 && skip.mode != SkipMode::Output;
    c.dilated = skip.distance > 0 && skip.mode == SkipMode::Dilated;
    if (c.states_in_ring)
      c.past.assign(skip.distance, initial);
    else
      c.state = initial;
    return c;
  }

  std::size_t first_residual_layer() const {
    return options_.input_size() == output_width() ? 0 : 1;
  }

  void check_input(const Var<T>& input) const {
    const char* layout =
        options_.batch_first() ? "[B, T, {}] (batch first)" : "[T, B, {}] (time first)";
    if (input.rank() != 3 || input.dim(2) != options_.input_size() || input.dim(0) == 0 ||
        input.dim(1) == 0)
      throw ShapeError(fmt::format("{}: input {}: expected {}", name_, shape_str(input.shape()),
                                   fmt::format(fmt::runtime(layout), options_.input_size())));
  }

  /// ShapeError unless `states` has one state per layer, each part [batch, H]. `what` names them
  /// in the message ("initial state", "state").
  void check_initial(const StateList<T>& states, std::size_t batch, const char* what) const {
    if (states.empty()) return;
    if (states.size() != cells_.size())
      throw ShapeError(fmt::format("{}: {} {}s given for {} layers{}", name_, states.size(), what,
                                   options_.layers(),
                                   directions() == 1 ? "" : " × 2 directions (l0, l0 reverse, …)"));
    for (std::size_t l = 0; l < cells_.size(); ++l) {
      const std::size_t parts = cells_[l]->initial_state(1).size();
      if (states[l].size() != parts)
        throw ShapeError(fmt::format("{}: {} of layer {} has {} parts, expected {}", name_, what,
                                     cell_name(l), states[l].size(), parts));
      for (std::size_t i = 0; i < parts; ++i) {
        const auto& s = states[l][i];
        if (s.rank() != 2 || s.dim(0) != batch || s.dim(1) != options_.hidden_size())
          throw ShapeError(fmt::format("{}: {} of layer {} part {} is {}, expected [{}, {}]", name_,
                                       what, cell_name(l), i, shape_str(s.shape()), batch,
                                       options_.hidden_size()));
      }
    }
  }

  /// The masks of `lengths`; none (empty) when lengths is empty.
  Masks step_masks(const std::vector<std::size_t>& lengths, std::size_t batch,
                   std::size_t steps) const {
    if (lengths.empty()) return {};
    if (lengths.size() != batch)
      throw ShapeError(
          fmt::format("{}: {} lengths for a batch of {}", name_, lengths.size(), batch));
    for (std::size_t b = 0; b < batch; ++b)
      if (lengths[b] > steps || lengths[b] == 0)
        throw ValueError(fmt::format("{}: length {} of row {} is not in [1, {}] (the steps)", name_,
                                     lengths[b], b, steps));
    Masks masks;
    masks.valid = xt::xarray<bool>::from_shape({batch, steps, 1});
    for (std::size_t t = 0; t < steps; ++t) {
      xt::xarray<bool> m = xt::xarray<bool>::from_shape({batch, 1});
      for (std::size_t b = 0; b < batch; ++b) masks.valid(b, t, 0) = m(b, 0) = t < lengths[b];
      masks.steps.push_back(std::move(m));
    }
    masks.zero = Var<T>(Array<T>(xt::zeros<T>({1})));
    return masks;
  }

  /// x[:, t0 .. t0 + count) of [B, T, F]: x itself when that is all of it.
  static Var<T> steps_of(const Var<T>& x, std::size_t t0, std::size_t count) {
    return t0 == 0 && count == x.dim(1) ? x : narrow(x, 1, t0, count);
  }

  /// One step of a layer, the definitions at the top of this file: `in` is x_t [B, F] (or, when
  /// `projected`, the cell's projected input p_t), `mask` the step's [B, 1] mask or null.
  /// Advances `c` and returns h_t (and c_t).
  static State<T> advance(const Cell& cell, const Skip& skip, const Var<T>& in, bool projected,
                          LayerCarry<T>& c, const xt::xarray<bool>* mask) {
    const std::size_t k = skip.distance;
    const State<T>& read = c.dilated ? c.past[c.t % k] : c.current();  // h_{t−d} or h_{t−1}
    State<T> next;
    if constexpr (ProjectingCell<Cell>) {
      next = projected ? cell.step_projected(in, read) : cell.step(in, read);
    } else {
      next = cell.step(in, read);
    }
    if (k > 0 && skip.mode != SkipMode::Dilated) {
      const Var<T> own = next[0];  // o_t
      if (c.t >= k) {
        const Var<T>& earlier = c.past[c.t % k][0];  // o_{t−k}, or h_{t−k} when accumulating
        if (skip.mode == SkipMode::Accumulate)
          next[0] = own + earlier;
        else if (skip.gate.defined())  // (1 − w) ⊙ o_t + w ⊙ o_{t−k} = o_t + w ⊙ (o_{t−k} − o_t)
          next[0] = own + sigmoid(skip.gate) * (earlier - own);
        else
          next[0] = own + (earlier - own) * skip.weight;
      }
      if (skip.mode == SkipMode::Output) remember(c, State<T>{own});
    }
    if (mask) {  // padded rows keep their state, selected exactly: s ← m ? s' : s
      const State<T>& previous = c.current();
      for (std::size_t j = 0; j < next.size(); ++j)
        next[j] = unroll::where(*mask, next[j], previous[j]);
    }
    if (c.states_in_ring)
      c.past[c.t % k] = next;
    else
      c.state = next;
    ++c.t;
    return next;
  }

  /// Writes `entry` at t mod distance of the ring (growing it during the first k steps).
  static void remember(LayerCarry<T>& c, State<T> entry) {
    if (c.past.size() < c.distance)
      c.past.push_back(std::move(entry));
    else
      c.past[c.t % c.distance] = std::move(entry);
  }

  /// Steps [t0, t0 + count) of one layer, reading x[:, t0 + i] and masks[t0 + i] for step t0 + i;
  /// advances `carry` and appends each step's output to `outputs` (and its state to `kept`). A
  /// projecting cell computes its input side for all `count` steps in one GEMM:
  /// [B, count, F] → [B, count, P].
  static void run_steps(const Cell& cell, const Skip& skip, const Var<T>& x, std::size_t t0,
                        std::size_t count, const Masks& masks, LayerCarry<T>& carry,
                        std::vector<Var<T>>& outputs, std::vector<State<T>>* kept) {
    Var<T> projected;
    if constexpr (ProjectingCell<Cell>) projected = cell.project_input(steps_of(x, t0, count));
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t t = t0 + i;
      const xt::xarray<bool>* mask = masks.empty() ? nullptr : &masks.steps[t];
      State<T> next = ProjectingCell<Cell>
                          ? advance(cell, skip, select(projected, 1, i), true, carry, mask)
                          : advance(cell, skip, select(x, 1, t), false, carry, mask);
      outputs.push_back(mask ? unroll::where(*mask, next[0], masks.zero) : next[0]);
      if (kept) kept->push_back(std::move(next));
    }
  }

  /// Steps [t0, t0 + count) as one recompute node (framework/ops/recompute.hpp): it keeps the
  /// block's inputs x[:, t0 .. t0 + count) and its first state, and nothing of the steps, which
  /// backward runs again. Its value is [B, count + parts, H]: the count outputs, then the final
  /// state's parts. Returns the outputs [B, count, H] and advances `state`.
  Var<T> recomputed_block(const std::shared_ptr<Cell>& cell, const Var<T>& x, std::size_t t0,
                          std::size_t count, const Masks& masks, State<T>& state) const {
    std::vector<Var<T>> inputs{steps_of(x, t0, count)};
    for (const auto& part : state) inputs.push_back(part);
    Masks block_masks;
    if (!masks.empty()) {
      block_masks.steps.assign(masks.steps.begin() + t0, masks.steps.begin() + t0 + count);
      block_masks.zero = masks.zero;
    }
    const std::size_t parts = state.size();
    RecomputeFn<T> steps = [cell, count, parts, block_masks,
                            name = name_](const std::vector<Var<T>>& in) {
      LayerCarry<T> carry;
      for (std::size_t k = 0; k < parts; ++k) carry.state.push_back(in[1 + k]);
      std::vector<Var<T>> rows;
      run_steps(*cell, Skip{}, in[0], 0, count, block_masks, carry, rows, nullptr);
      const State<T>& s = carry.state;
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

  /// Steps per input projection, unless options.block_steps() sets it: enough that one GEMM has
  /// kProjectionRows = B·S rows (efficient for oneDNN), few enough that the projection's gradient
  /// [B, S, P] — alive while backward crosses the block — stays small: at B = 64, T = 100,
  /// P = 2048 one block is 2 MB where the whole sequence would be 52 MB. With recompute, a block
  /// is also what backward runs again at once. Measured at M and L: 256 and 512 rows train
  /// equally fast (within this machine's noise); 256 holds 7 MB (L) and 40 MB (L, recompute)
  /// less than 1024.
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
  std::vector<Var<T>> skip_gates_;  ///< learned skip weights σ(gate), one [H] per layer
  std::vector<Var<T>> outputs_;     ///< forward's per-step list, kept for its capacity
};

/// The built-in layers, named and shaped exactly as torch.nn.RNN / LSTM / GRU (batch_first).
template <class T = float>
struct RNN : Recurrent<RNNCell<T>> {
  /// An Elman RNN stack (tanh or relu, RecurrentOptions::nonlinearity).
  explicit RNN(const RecurrentOptions& options) : Recurrent<RNNCell<T>>(options, "RNN") {}
};
/// @copydoc RNN
template <class T = float>
struct LSTM : Recurrent<LSTMCell<T>> {
  /// An LSTM stack.
  explicit LSTM(const RecurrentOptions& options) : Recurrent<LSTMCell<T>>(options, "LSTM") {}
};
/// @copydoc RNN
template <class T = float>
struct GRU : Recurrent<GRUCell<T>> {
  /// A GRU stack.
  explicit GRU(const RecurrentOptions& options) : Recurrent<GRUCell<T>>(options, "GRU") {}
};

}  // namespace unroll
