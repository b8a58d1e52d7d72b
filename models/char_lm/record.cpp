#include "models/char_lm/record.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "framework/io/safetensors.hpp"
#include "models/text/utf8.hpp"

namespace unroll {
namespace {

// Row `first` of an [T, W] destination from an Array of shape [1, W].
void copy_row(xt::xtensor<float, 2>& into, std::size_t first, const Array<float>& row) {
  const std::size_t width = into.shape()[1];
  std::memcpy(&into(first, 0), row.data(), width * sizeof(float));
}

// An [n, W] constant of part `part` of n states (each [1, W]): the states themselves, or with
// `previous` (the state before the first) the state before each step.
Var<float> stacked_rows(const std::vector<State<float>>& states, std::size_t part,
                        const Var<float>* previous) {
  const std::size_t n = states.size();
  const std::size_t width = states[0][part].value().shape()[1];
  Array<float> out = Array<float>::from_shape({n, width});
  for (std::size_t t = 0; t < n; ++t) {
    const Array<float>& row = previous ? (t == 0 ? previous->value() : states[t - 1][part].value())
                                       : states[t][part].value();
    std::memcpy(out.data() + t * width, row.data(), width * sizeof(float));
  }
  return Var<float>(std::move(out));
}

// The recurrent stack's cell l when gates can be recomputed for it, through `visit`.
template <class Visit>
std::string with_gate_cells(const CharLM<float>& model, Visit&& visit) {
  const CharLMConfig& config = model.config();
  if (config.temporal_skip != 0 && config.skip_mode == "dilated")
    return "a dilated temporal skip's cell reads the state d steps back; only states recorded";
  return std::visit(
      [&](const auto& stack) -> std::string {
        using S = std::decay_t<decltype(stack)>;
        if constexpr (std::is_same_v<S, std::shared_ptr<LSTM<float>>> ||
                      std::is_same_v<S, std::shared_ptr<GRU<float>>>) {
          visit(*stack);
          return "";
        } else if constexpr (std::is_same_v<S, std::shared_ptr<RNN<float>>>) {
          return "";  // a plain RNN has no gates: nothing to say
        } else {
          return "a user-defined stack's gates are its own; only states recorded";
        }
      },
      model.stack());
}

}  // namespace

const RecordedSeries* Recording::find(std::size_t layer, const std::string& part) const {
  for (const auto& s : series)
    if (s.layer == layer && s.part == part) return &s;
  return nullptr;
}

Recording record_states(CharLM<float>& model, const std::vector<std::int64_t>& ids,
                        const RecordOptions& options) {
  const CharLMConfig& config = model.config();
  if (ids.empty()) throw ValueError("record states: the text is empty");
  if (options.chunk == 0) throw ValueError("record states: chunk must be at least 1");
  const auto vocab = static_cast<std::int64_t>(config.vocabulary.size());
  for (std::size_t t = 0; t < ids.size(); ++t)
    if (ids[t] < 0 || ids[t] >= vocab)
      throw IndexError(
          fmt::format("record states: symbol id {} at position {} outside a "
                      "vocabulary of {}",
                      ids[t], t, vocab));
  std::vector<std::size_t> layers = options.layers;
  if (layers.empty())
    for (std::size_t l = 0; l < config.layers; ++l) layers.push_back(l);
  for (std::size_t l : layers)
    if (l >= config.layers)
      throw IndexError(
          fmt::format("record states: layer {} does not exist; the model has {} "
                      "(0 to {})",
                      l, config.layers, config.layers - 1));
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());

  NoGrad no_grad;
  struct RestoreMode {
    CharLM<float>& model;
    bool training;
    ~RestoreMode() { model.train(training); }
  } restore{model, model.is_training()};
  model.eval();

  const std::size_t steps = ids.size(), hidden = config.hidden;
  StateList<float> carried = model.start(1).states();  // each layer's state before a chunk
  const std::size_t parts = std::min<std::size_t>(carried[0].size(), 2);  // h, and c if any
  Recording rec;
  // Which gates exist: their names, per the stack's cell (none for a plain RNN).
  std::vector<const char*> gate_names;
  if (options.gates)
    rec.no_gates = with_gate_cells(model, [&](const auto& stack) {
      using Cell = std::decay_t<decltype(stack.cell(0))>;
      gate_names.assign(Cell::gate_names.begin(), Cell::gate_names.end());
    });
  for (std::size_t l : layers) {
    for (std::size_t p = 0; p < parts; ++p)
      rec.series.push_back(
          {l, p == 0 ? "h" : "c", xt::xtensor<float, 2>::from_shape({steps, hidden})});
    for (const char* g : gate_names)
      rec.series.push_back({l, g, xt::xtensor<float, 2>::from_shape({steps, hidden})});
  }
  if (options.logits)
    rec.logits = xt::xtensor<float, 2>::from_shape({steps, static_cast<std::size_t>(vocab)});
  auto series = [&](std::size_t l, const char* part) {
    for (auto& s : rec.series)
      if (s.layer == l && s.part == part) return &s.values;
    return static_cast<xt::xtensor<float, 2>*>(nullptr);
  };

  const bool residual_from_0 = config.embed == config.hidden;
  // A temporal skip's history does not carry from one forward call to the next: such a stack
  // reads the whole text in one call, so the pass stays continuous.
  const std::size_t chunk = config.temporal_skip != 0 ? steps : options.chunk;
  for (std::size_t first = 0; first < steps; first += chunk) {
    const std::size_t n = std::min(chunk, steps - first);
    IndexArray input = IndexArray::from_shape({1, n});
    std::copy(ids.begin() + static_cast<std::ptrdiff_t>(first),
              ids.begin() + static_cast<std::ptrdiff_t>(first + n), input.data());
    if (options.threads) options.threads->before_step();
    const auto started = std::chrono::steady_clock::now();
    const SequenceOutput<float> out = model.forward(input, carried, {.keep_states = true});
    if (out.step_states.size() != config.layers || out.step_states[0].size() != n ||
        out.step_states[0][0][0].value().size() != hidden)
      throw ValueError(fmt::format(
          "record states: the stack kept {} layers' states for this chunk of {} steps; {} layers "
          "of {} steps of width {} were expected (a user-defined stack must honour keep_states)",
          out.step_states.size(), n, config.layers, n, hidden));
    for (std::size_t l : layers)
      for (std::size_t t = 0; t < n; ++t) {
        copy_row(*series(l, "h"), first + t, out.step_states[l][t][0].value());
        if (parts == 2) copy_row(*series(l, "c"), first + t, out.step_states[l][t][1].value());
      }
    if (options.logits)
      std::memcpy(&rec.logits(first, 0), out.output.value().data(),
                  n * static_cast<std::size_t>(vocab) * sizeof(float));
    if (!gate_names.empty()) {
      with_gate_cells(model, [&](const auto& stack) {
        // Layer l's input for all n steps at once: the embeddings, then each layer's output
        // (plus its input where the residual applies), [n, F].
        Var<float> x =
            reshape(model.embedding().forward(input), {static_cast<std::ptrdiff_t>(n), -1});
        for (std::size_t l = 0; l <= layers.back(); ++l) {
          State<float> before;  // state_{t−1} for every t, [n, H] each
          for (std::size_t p = 0; p < parts; ++p)
            before.push_back(stacked_rows(out.step_states[l], p, &carried[l][p]));
          const auto& cell = stack.cell(l);
          if (std::binary_search(layers.begin(), layers.end(), l)) {
            const State<float> gates = cell.gate_activations(cell.project_input(x), before);
            for (std::size_t g = 0; g < gate_names.size(); ++g) {
              auto& into = *series(l, gate_names[g]);
              std::memcpy(&into(first, 0), gates[g].value().data(), n * hidden * sizeof(float));
            }
          }
          const Var<float> h = stacked_rows(out.step_states[l], 0, nullptr);
          x = config.residual && (l >= 1 || residual_from_0) ? x + h : h;
        }
      });
    }
    carried = out.final_states;
    if (options.threads)
      options.threads->after_step(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (options.progress) options.progress(first + n, steps);
  }
  return rec;
}

void write_recording(const std::string& path, const Recording& recording,
                     const std::u32string& text, std::map<std::string, std::string> metadata) {
  io::SafetensorsFile file;
  nlohmann::json names = nlohmann::json::array();
  auto add = [&](const std::string& name, const xt::xtensor<float, 2>& values) {
    io::StoredTensor stored;
    stored.dtype = io::DType::F32;
    stored.shape = {values.shape()[0], values.shape()[1]};
    stored.bytes.resize(values.size() * sizeof(float));
    std::memcpy(stored.bytes.data(), values.data(), stored.bytes.size());
    file.tensors.emplace(name, std::move(stored));
    names.push_back(name);
  };
  for (const auto& s : recording.series) add(fmt::format("layer{}.{}", s.layer, s.part), s.values);
  if (recording.logits.size() > 0) add("logits", recording.logits);
  metadata["text"] = encode_utf8(text);
  metadata["parts"] = names.dump();
  file.metadata = std::move(metadata);
  io::write_safetensors(path, file);
}

}  // namespace unroll
