// record_bench: characters per second of recording a CharLM's states (models/char_lm/record.hpp)
// — every layer's h and c, the four gates and the logits, kept for every character — beside a
// plain no-tape forward over the same text (what eval does), in the same run. Random weights and
// text: the cost does not depend on either. Prints one JSON line.
//   record_bench --hidden 256 --layers 2 --chars 20000 --threads 2
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <random>

#include "framework/gemm.hpp"
#include "models/char_lm/record.hpp"

using namespace unroll;

int main(int argc, char** argv) {
  CLI::App app{"record_bench: characters per second of charlm states, all states kept"};
  std::size_t hidden = 256, layers = 2, embed = 64, vocab = 100, chars = 20000, chunk = 256;
  int threads = 1, repeats = 3;
  std::string cell = "lstm";
  app.add_option("--cell", cell)->check(CLI::IsMember({"rnn", "lstm", "gru"}));
  app.add_option("--hidden", hidden)->check(CLI::PositiveNumber);
  app.add_option("--layers", layers)->check(CLI::PositiveNumber);
  app.add_option("--chars", chars)->check(CLI::PositiveNumber);
  app.add_option("--chunk", chunk, "steps per forward call")->check(CLI::PositiveNumber);
  app.add_option("--threads", threads)->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats, "timed runs of each; the fastest is kept")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    set_compute_threads(threads);
    std::u32string symbols;
    for (std::size_t i = 0; i < vocab; ++i) symbols += static_cast<char32_t>(0x21 + i);
    CharLMConfig config;
    config.cell = cell, config.layers = layers, config.hidden = hidden, config.embed = embed;
    config.vocabulary = Vocabulary(symbols);
    CharLM<float> model(config, 1);
    std::mt19937_64 rng(0);
    std::vector<std::int64_t> ids(chars);
    for (auto& id : ids) id = static_cast<std::int64_t>(rng() % vocab);
    auto seconds_of = [&](auto&& run) {
      double best = 1e300;
      for (int r = 0; r < repeats; ++r) {
        const auto start = std::chrono::steady_clock::now();
        run();
        best = std::min(
            best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
      return best;
    };
    RecordOptions all;  // every state, gate and logit
    all.logits = true, all.chunk = chunk;
    const double record_s = seconds_of([&] { record_states(model, ids, all); });
    RecordOptions states_only;  // h and c alone
    states_only.gates = false, states_only.chunk = chunk;
    const double states_s = seconds_of([&] { record_states(model, ids, states_only); });
    const double forward_s = seconds_of([&] {
      NoGrad no_grad;
      model.eval();
      StateList<float> carried;
      for (std::size_t first = 0; first < chars; first += chunk) {
        const std::size_t n = std::min(chunk, chars - first);
        IndexArray input = IndexArray::from_shape({1, n});
        std::copy(ids.begin() + static_cast<std::ptrdiff_t>(first),
                  ids.begin() + static_cast<std::ptrdiff_t>(first + n), input.data());
        carried = model.forward(input, carried).final_states;
      }
    });
    fmt::print(
        "{{\"cell\": \"{}\", \"layers\": {}, \"hidden\": {}, \"chars\": {}, \"chunk\": {}, "
        "\"threads\": {}, \"record_chars_per_s\": {:.0f}, \"states_only_chars_per_s\": {:.0f}, "
        "\"forward_chars_per_s\": {:.0f}, "
        "\"record_over_forward_time\": {:.3f}}}\n",
        cell, layers, hidden, chars, chunk, threads, static_cast<double>(chars) / record_s,
        static_cast<double>(chars) / states_s, static_cast<double>(chars) / forward_s,
        record_s / forward_s);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "record_bench: {}\n", e.what());
    return 1;
  }
}
