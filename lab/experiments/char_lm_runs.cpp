#include "lab/experiments/char_lm_runs.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "models/char_lm/evaluate.hpp"
#include "models/char_lm/trainer.hpp"
#include "models/text/corpus.hpp"

namespace unroll::lab {

CharLMScale char_lm_scale(Scale scale) {
  switch (scale) {
    case Scale::Quick:
      return {12000, 16, 1, 12, 32, 8, 6, 2000};
    case Scale::Full:
      return {800000, 64, 2, 3000, 64, 32, 250, 100000};
    default:
      return {150000, 32, 1, 400, 64, 32, 50, 20000};
  }
}

std::size_t hidden_for_parameters(const std::string& cell, std::size_t parameters,
                                  std::size_t embed, std::size_t layers) {
  const std::size_t gates = cell == "lstm" ? 4 : cell == "gru" ? 3 : 1, vocab = 96;
  auto count = [&](std::size_t h) {
    std::size_t n = vocab * embed + h * vocab + vocab;
    for (std::size_t l = 0; l < layers; ++l)
      n += gates * h * ((l == 0 ? embed : h) + h) + 2 * gates * h;
    return n;
  };
  std::size_t h = 1;
  while (count(h + 1) <= parameters) ++h;
  return h;
}

std::vector<Row> train_char_lm(const CharLMConfig& given, std::size_t steps,
                               const RunContext& context, const CharLMOverrides& overrides) {
  if (!context.text || context.text->size() < 1000)
    throw ValueError("the character-LM experiments need a text of at least 1000 characters");
  const CharLMScale z = char_lm_scale(context.scale);
  CharLMConfig config = given;
  config.vocabulary = Vocabulary::from_text(*context.text);
  const Corpus corpus = split_corpus(*context.text, 0.1);
  const std::u32string validation = corpus.validation.substr(0, z.validation_chars);
  CharLM<float> model(config, context.seed);
  TrainOptions options;
  options.seq = overrides.seq > 0 ? overrides.seq : z.seq;
  options.batch = overrides.batch > 0 ? overrides.batch : z.batch;
  const std::size_t eval_seq = overrides.eval_seq > 0 ? overrides.eval_seq : options.seq;
  options.seed = context.seed;
  options.trainer.lr = 2e-3;
  options.trainer.clip_norm = 5.0;
  const auto& vocab = config.vocabulary;
  const auto validation_ids = vocab.encode(validation, "validation text");
  CharLMTrainer trainer(model, vocab.encode(corpus.train, "training text"), options);
  const std::vector<Var<float>> first_layer{model.parameter("rnn.weight_ih_l0"),
                                            model.parameter("rnn.weight_hh_l0")};
  const auto start = std::chrono::steady_clock::now();
  double train_loss = 0, validating = 0;  // seconds spent in validation, not training
  std::vector<Row> rows;
  for (std::size_t step = 1; step <= steps; ++step) {
    const auto r = trainer.step();
    train_loss = r.loss;
    if (context.stopped()) return rows;
    if (step % z.eval_every != 0 && step != steps) continue;
    // The first layer's gradient before clipping (clipping scales every gradient alike).
    double first = 0;
    for (const auto& p : first_layer)
      for (float g : p.grad()) first += static_cast<double>(g) * g;
    first =
        std::sqrt(first) *
        (r.grad_norm > options.trainer.clip_norm ? r.grad_norm / options.trainer.clip_norm : 1.0);
    const auto before = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(before - start).count() - validating;
    const double bpc = evaluate(model, validation_ids, eval_seq).bits_per_char;
    validating += std::chrono::duration<double>(std::chrono::steady_clock::now() - before).count();
    rows.push_back({{"step", std::to_string(step)},
                    {"elapsed_s", fmt::format("{:.3f}", seconds)},
                    {"tokens_per_s", fmt::format("{:.0f}", static_cast<double>(step) * options.seq *
                                                               options.batch / seconds)},
                    {"train_loss", number(train_loss)},
                    {"val_bpc", number(bpc)},
                    {"parameters", std::to_string(model.parameter_count())},
                    {"first_layer_grad_norm", number(first)}});
    context.progress(static_cast<double>(step) / static_cast<double>(steps),
                     fmt::format("step {}/{}  val {:.3f} bpc", step, steps, bpc));
  }
  return rows;
}

CharLMCurve char_lm_curve(const Table& rows) {
  CharLMCurve c;
  c.hidden = static_cast<std::size_t>(rows.number_at(0, "hidden"));
  c.parameters = static_cast<std::size_t>(rows.number_at(0, "parameters"));
  for (const auto& step : rows.distinct("step")) {
    const Table at = rows.select({{"step", step}});
    double seconds = 0, bpc = 0, loss = 0, grad = 0, speed = 0;
    for (std::size_t i = 0; i < at.size(); ++i) {
      seconds += at.number_at(i, "elapsed_s"), bpc += at.number_at(i, "val_bpc");
      loss += at.number_at(i, "train_loss"), grad += at.number_at(i, "first_layer_grad_norm");
      speed += at.number_at(i, "tokens_per_s");
    }
    const double n = static_cast<double>(at.size());
    c.step.push_back(std::stod(step));
    c.seconds.push_back(seconds / n);
    c.val_bpc.push_back(bpc / n);
    c.train_loss.push_back(loss / n);
    c.first_layer_grad_norm.push_back(grad / n);
    c.tokens_per_s = speed / n;
  }
  return c;
}

std::string char_lm_setup(const Table& results, Scale scale) {
  const CharLMScale z = char_lm_scale(scale);
  return fmt::format(
      "Character language models (embedding → recurrent stack → softmax) on the lab's text: "
      "the first 90 % for training, the first {} characters of the last 10 % for validation "
      "(bits per character, windows of {} from a zero state). Adam (learning rate 2e-3), "
      "clip-norm 5, {} char-rnn streams of {} characters per step with states carried between "
      "windows; validation every {} steps; seeds: {}. The timing columns (elapsed_s, "
      "tokens_per_s) are this machine's and differ between reruns; every other column repeats "
      "exactly.",
      z.validation_chars, z.seq, z.batch, z.seq, z.eval_every, results.distinct("seed").size());
}

}  // namespace unroll::lab
