// seq2seq_bench: full training steps of an attentional encoder–decoder (models/seq2seq) —
// embeddings 64 → encoder LSTM → decoder LSTM from its final state, teacher-forced over all T
// steps → attention over the encoder outputs for every decoder step at once → tanh(W_c [c; d])
// → head → cross-entropy → backward → clip-norm 5 → Adam(1e-3) — on random token sequences with
// source lengths drawn in [S/2, S], timed after warm-up steps. The same model and loop as
// bench/torch_seq2seq.py. Prints one JSON line.
//   seq2seq_bench --hidden 256 --seq 32 --batch 32 --attention general --steps 30 --threads 2
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <random>

#include "framework/gemm.hpp"
#include "framework/ops/nn.hpp"
#include "framework/optim/adam.hpp"
#include "framework/optim/clip.hpp"
#include "models/seq2seq/seq2seq.hpp"

using namespace unroll;

int main(int argc, char** argv) {
  CLI::App app{"seq2seq_bench: target tokens per second of seq2seq training steps with attention"};
  std::size_t vocab = 40, embed = 64, hidden = 256, seq = 32, batch = 32;
  int steps = 30, warmup = 3, threads = 1;
  std::string attention = "general";
  app.add_option("--vocab", vocab)->check(CLI::PositiveNumber);
  app.add_option("--embed", embed)->check(CLI::PositiveNumber);
  app.add_option("--hidden", hidden)->check(CLI::PositiveNumber);
  app.add_option("--seq", seq, "source and target length (S = T)")->check(CLI::Range(2, 100000));
  app.add_option("--batch", batch)->check(CLI::PositiveNumber);
  app.add_option("--attention", attention, "none | dot | general | additive")
      ->check(CLI::IsMember({"none", "dot", "general", "additive"}));
  app.add_option("--steps", steps, "timed steps")->check(CLI::PositiveNumber);
  app.add_option("--warmup", warmup, "untimed steps first");
  app.add_option("--threads", threads)->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    set_compute_threads(threads);
    Seq2SeqConfig config;
    config.source_vocab = config.target_vocab = vocab;
    config.embed = embed, config.hidden = hidden;
    if (attention == "none") config.attention.reset();
    if (attention == "dot") config.attention = AttentionScore::Dot;
    if (attention == "additive") config.attention = AttentionScore::Additive;
    Seq2Seq<float> model(config, 1);
    const auto parameters = model.parameters();
    Adam<float> optimizer(model.named_parameters(), AdamOptions().lr(1e-3));
    std::mt19937_64 rng(0);
    std::uniform_int_distribution<std::int64_t> symbol(0, static_cast<std::int64_t>(vocab) - 1);
    std::uniform_int_distribution<std::size_t> length(seq / 2, seq);
    IndexArray source = IndexArray::from_shape({batch, seq});
    IndexArray inputs = IndexArray::from_shape({batch, seq}), targets = inputs;
    std::vector<std::size_t> lengths(batch);
    auto step = [&] {
      for (auto& id : source) id = symbol(rng);
      for (auto& l : lengths) l = length(rng);
      for (std::size_t b = 0; b < batch; ++b) {
        std::int64_t previous = symbol(rng);
        for (std::size_t t = 0; t < seq; ++t) {
          inputs(b, t) = previous;
          targets(b, t) = previous = symbol(rng);
        }
      }
      optimizer.zero_grad();
      Var<float> loss = cross_entropy(model.decode(model.encode(source, lengths), inputs), targets);
      loss.backward();
      clip_grad_norm(parameters, 5.0);
      const double value = loss.item();
      loss = Var<float>();
      tape<float>().reset();
      optimizer.step();
      return value;
    };
    double loss = 0;
    for (int i = 0; i < warmup; ++i) loss = step();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < steps; ++i) loss = step();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    fmt::print(
        "{{\"impl\": \"unroll\", \"model\": \"seq2seq\", \"attention\": \"{}\", \"hidden\": {}, "
        "\"embed\": {}, \"seq\": {}, \"batch\": {}, \"threads\": {}, \"tokens_per_s\": {:.1f}, "
        "\"ms_per_step\": {:.2f}, \"final_loss\": {:.4f}, \"peak_rss_mb\": {:.1f}}}\n",
        attention, hidden, embed, seq, batch, threads,
        static_cast<double>(steps) * static_cast<double>(seq * batch) / seconds,
        1000 * seconds / steps, loss, static_cast<double>(usage.ru_maxrss) / 1024.0);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "seq2seq_bench: {}\n", e.what());
    return 1;
  }
}
