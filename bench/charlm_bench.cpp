// charlm_bench: full char-LM training steps — embedding 64 → recurrent stack → head →
// cross-entropy → backward → clip-norm 5 → Adam — timed after warm-up steps. Prints one JSON line.
//   charlm_bench --cell lstm --hidden 256 --layers 2 --seq 64 --batch 32 --steps 30 [--custom]
//                [--recompute] [--bidirectional]
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <vector>

#include "bench/allocation_counter.hpp"
#include "examples/custom_cell/user_lstm.hpp"
#include "framework/gemm.hpp"
#include "framework/memory.hpp"
#include "models/char_lm/trainer.hpp"
#include "models/text/corpus.hpp"

using namespace unroll;

namespace {

// This machine's float32 GEMM rate with the current threads: the median of five ~0.2 s rounds
// of square 1024 products (one round alone swings with the shared machine's load).
double sgemm_gflops() {
  const std::size_t n = 1024;
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n, 0.0f);
  gemm<float>(false, true, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);  // warm
  std::vector<double> rates;
  for (int round = 0; round < 5; ++round) {
    int calls = 0;
    const auto start = std::chrono::steady_clock::now();
    double seconds = 0;
    while (seconds < 0.2) {
      gemm<float>(false, true, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
      ++calls;
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    rates.push_back(2.0 * n * n * n * calls / seconds / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"charlm_bench: tokens per second of full char-LM training steps"};
  std::string cell = "lstm", data = std::string(UNROLL_DATA_DIR) + "/tinyshakespeare.txt";
  std::size_t hidden = 256, layers = 2, seq = 64, batch = 32, embed = 64;
  int steps = 30, warmup = 3, threads = 1;
  bool custom = false, recompute = false, bidirectional = false;
  app.add_option("--cell", cell, "rnn | lstm | gru")->check(CLI::IsMember({"rnn", "lstm", "gru"}));
  app.add_option("--hidden", hidden)->check(CLI::PositiveNumber);
  app.add_option("--layers", layers)->check(CLI::PositiveNumber);
  app.add_option("--seq", seq)->check(CLI::PositiveNumber);
  app.add_option("--batch", batch)->check(CLI::PositiveNumber);
  app.add_option("--steps", steps, "timed steps")->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--data", data, "training text")->capture_default_str();
  app.add_option("--threads", threads)->check(CLI::PositiveNumber);
  app.add_flag("--custom", custom,
               "the user-defined LSTM of examples/custom_cell instead of the built-in cell");
  app.add_flag("--recompute", recompute,
               "recompute each block of steps in backward instead of keeping its activations");
  app.add_flag("--bidirectional", bidirectional,
               "a bidirectional stack, the head reading both directions (a throughput yardstick, "
               "as bench/torch_charlm.py --bidirectional)");
  CLI11_PARSE(app, argc, argv);
  try {
    set_compute_threads(threads);
    std::u32string text = read_text_file(data);
    CharLMConfig config;
    config.cell = custom ? "lstm" : cell;
    config.hidden = hidden, config.layers = layers, config.embed = embed;
    config.recompute = recompute;
    config.vocabulary = Vocabulary::from_text(text);
    const auto stack_options = RecurrentOptions(embed, hidden).layers(layers).recompute(recompute);
    std::unique_ptr<CharLM<float>> model;
    if (custom) {
      model = std::make_unique<CharLM<float>>(
          config, 1,
          CustomStack<float>::of(
              std::make_shared<Recurrent<UserLSTMCell<float>>>(stack_options, "UserLSTM")));
    } else if (bidirectional) {
      config.hidden = 2 * hidden;  // what the head reads
      const auto options = RecurrentOptions(stack_options).bidirectional(true).seed(2);
      model = std::make_unique<CharLM<float>>(
          config, 1,
          cell == "lstm" ? CustomStack<float>::of(
                               std::make_shared<Recurrent<LSTMCell<float>>>(options, "LSTM"))
          : cell == "gru"
              ? CustomStack<float>::of(std::make_shared<Recurrent<GRUCell<float>>>(options, "GRU"))
              : CustomStack<float>::of(
                    std::make_shared<Recurrent<RNNCell<float>>>(options, "RNN")));
    } else {
      model = std::make_unique<CharLM<float>>(config, 1);
    }
    TrainOptions options;
    options.seq = seq, options.batch = batch;
    Trainer trainer(*model, config.vocabulary.encode(text, "bench"), options);
    text = std::u32string();  // the ids are all training needs (as the PyTorch script keeps)
    rusage setup{};           // the process before training: libraries, model, corpus ids
    getrusage(RUSAGE_SELF, &setup);
    double loss = 0;
    for (int i = 0; i < warmup; ++i) loss = trainer.step().loss;
    const std::size_t news_before = bench::operator_new_calls.load();
    const std::size_t system_before = memory_stats().system_allocs;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) loss = trainer.step().loss;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double allocs_per_step =
        static_cast<double>(bench::operator_new_calls.load() - news_before +
                            memory_stats().system_allocs - system_before) /
        steps;
    // GEMM work of one step (forward, input gradients, weight gradients: 3 × 2·M·N·K each):
    // per layer the input projection [N, F_l]·[F_l, G·H] and the recurrence [N, H]·[H, G·H];
    // then the head [N, H]·[H, V]; N = batch · seq. Elementwise work is not counted.
    const std::size_t gates = cell == "lstm" || custom ? 4 : cell == "gru" ? 3 : 1;
    const std::size_t directions = bidirectional ? 2 : 1;
    double per_token = 0;
    for (std::size_t l = 0; l < layers; ++l)
      per_token += static_cast<double>(directions) *
                   static_cast<double>((l == 0 ? embed : directions * hidden) + hidden) * gates *
                   hidden;
    per_token += static_cast<double>(directions * hidden * config.vocabulary.size());
    const double train_gflops =
        6.0 * per_token * static_cast<double>(batch * seq) * steps / seconds / 1e9;
    rusage usage{};  // peak RSS of training, before the sgemm measurement allocates its own
    getrusage(RUSAGE_SELF, &usage);
    const double sgemm = sgemm_gflops();
    // allocator_mb: what the caching allocator has taken from the system (tensors in use and the
    // free blocks it keeps for the next step); setup_rss_mb: RSS before the first step.
    fmt::print(
        "{{\"impl\": \"unroll\", \"cell\": \"{}\", \"custom\": {}, \"recompute\": {}, "
        "\"bidirectional\": {}, \"hidden\": {}, "
        "\"layers\": {}, "
        "\"seq\": {}, \"batch\": {}, \"threads\": {}, \"steps\": {}, \"tokens_per_s\": {:.1f}, "
        "\"ms_per_step\": {:.2f}, \"final_loss\": {:.4f}, \"peak_rss_mb\": {:.1f}, "
        "\"setup_rss_mb\": {:.1f}, \"allocator_mb\": {:.1f}, "
        "\"heap_allocs_per_step\": {:.1f}, \"train_gflops\": {:.1f}, \"sgemm_gflops\": {:.1f}, "
        "\"flop_efficiency\": {:.2f}}}\n",
        cell, custom, recompute, bidirectional, hidden, layers, seq, batch, threads, steps,
        static_cast<double>(steps) * static_cast<double>(seq * batch) / seconds,
        1000 * seconds / steps, loss, static_cast<double>(usage.ru_maxrss) / 1024.0,
        static_cast<double>(setup.ru_maxrss) / 1024.0,
        static_cast<double>(memory_stats().system_bytes) / (1 << 20), allocs_per_step, train_gflops,
        sgemm, train_gflops / sgemm);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "charlm_bench: {}\n", e.what());
    return 1;
  }
}
