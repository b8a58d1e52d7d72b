// translate: dates as people write them → ISO dates, a sequence-to-sequence LSTM with attention.
//
//   translate train     --out CKPT [--attention none|dot|general|additive] [--bidirectional] …
//   translate eval      --ckpt CKPT [--count N] [--beam K]
//   translate predict   --ckpt CKPT [--beam K] < dates.txt     (one date per line)
//   translate attention --ckpt CKPT "3rd of March 2021" --out heat   (heat.svg, heat.png)
//
// Every failure exits non-zero with one line on stderr; checkpoints are written atomically.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <variant>

#include "examples/common/output_folder.hpp"
#include "examples/common/ranks.hpp"
#include "examples/common/threads.hpp"
#include "examples/translate/cli.hpp"
#include "layers/checkpoint.hpp"
#include "models/text/utf8.hpp"
#include "models/training/loop.hpp"
#include "models/translator/decode.hpp"
#include "models/translator/evaluate.hpp"
#include "plot/heatmap.hpp"

using namespace unroll;
using namespace unroll::translator;

namespace {

constexpr std::size_t kValidationDates = 500;

int train(translate::TrainArgs& a, ThreadTuner* threads) {
  cli::report_job_end("translate");
  cli::check_output_folder(a.out);
  if (!a.log.empty()) cli::check_output_folder(a.log);
  std::unique_ptr<Translator<float>> model =
      a.resume.empty() ? nullptr : load_checkpoint<Translator<float>>(a.resume, "translate");
  if (!model) {
    a.model.source = source_symbols();
    model = std::make_unique<Translator<float>>(a.model, a.task.seed);
  }
  TranslateTask task(*model, held_out_pairs(a.task.seed, kValidationDates), a.task);
  const TranslatorConfig& c = model->config();
  if (cli::is_root())
    fmt::print(
        "translate: {}LSTM {} (embed {}), attention {}, {} source symbols, {} parameters\n",
        c.bidirectional ? "bidirectional " : "",
        c.layers == 1 ? fmt::format("{}", c.hidden) : fmt::format("{}×{}", c.layers, c.hidden),
        c.embed, c.attention, c.source.size(), model->parameter_count());
  training::LoopOptions loop;
  loop.checkpoint = a.out, loop.eval_every = a.eval_every, loop.log = a.log;
  loop.threads = threads;
  loop.max_steps = a.steps;
  training::Trainer trainer(task, a.trainer);
  if (!a.resume.empty()) trainer.load_state(a.resume);
  training::run_training(trainer, loop);
  return 0;
}

// The best hypothesis of a beam search of width `beam` for one encoded text.
std::string beam_translate(Translator<float>& model, const std::u32string& text, std::size_t beam) {
  NoGrad no_grad;
  model.eval();
  const auto ids = model.config().encode_source(text);
  IndexArray source = IndexArray::from_shape({1, ids.size()});
  std::copy(ids.begin(), ids.end(), source.begin());
  DecodeOptions o;
  o.start = kStart, o.end = kEnd, o.max_length = kTargetSteps + 1, o.beam = beam;
  const auto best = beam_search(beam_adapter(model, model.encode(source, {ids.size()})), o);
  return best.empty() ? "" : model.config().decode_target(best[0].ids);
}

int eval_command(const translate::Arguments& a) {
  auto model = load_checkpoint<Translator<float>>(a.ckpt, "translate");
  const auto pairs = held_out_pairs(checkpoint_seed(a.ckpt), a.count);
  Evaluation e;
  if (a.beam == 1) {
    e = evaluate(*model, pairs);
  } else {
    e = empty_evaluation();
    for (const auto& p : pairs) {
      const std::u32string text = decode_utf8(p.human);
      tally(e, p.format, text.size(), beam_translate(*model, text, a.beam) == p.iso);
    }
  }
  fmt::print("held-out: {} dates of days never trained on, decoding {}\n", e.all.total,
             a.beam == 1 ? "greedy" : fmt::format("beam {}", a.beam));
  fmt::print("exact match {:.2f} %  ({} of {})", 100 * e.accuracy(), e.all.right, e.all.total);
  if (a.beam == 1) fmt::print("  loss {:.4f}", e.loss);
  fmt::print("\nby input length\n");
  for (std::size_t i = 0; i < length_buckets().size(); ++i)
    fmt::print("  {:>2}–{:<2} symbols  {:6.2f} %  ({} dates)\n", length_buckets()[i].min,
               length_buckets()[i].max, 100 * e.by_length[i].rate(), e.by_length[i].total);
  fmt::print("by format\n");
  for (std::size_t f = 0; f < tasks::date_formats().size(); ++f)
    fmt::print("  {:<16} {:<24} {:6.2f} %  ({} dates)\n", tasks::date_formats()[f].name,
               tasks::date_formats()[f].pattern, 100 * e.by_format[f].rate(), e.by_format[f].total);
  return 0;
}

// The text of one input line, or why it cannot be translated.
std::variant<std::u32string, std::string> parse_line(const TranslatorConfig& config,
                                                     const std::string& line) {
  std::u32string text;
  try {
    text = decode_utf8(line);
  } catch (const std::exception& e) {
    return std::string(e.what());
  }
  if (text.empty()) return std::string("empty line");
  if (text.size() > kMaxSource)
    return fmt::format("{} characters, over the {} a date may have", text.size(), kMaxSource);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (!config.source.contains(text[i]))
      return fmt::format("character {} at position {} is in none of the formats",
                         describe_symbol(text[i]), i + 1);
  return text;
}

// Lines of stdin, `chunk` at a time (1 on a terminal, so each answer comes at once).
int predict_command(const translate::Arguments& a) {
  auto model = load_checkpoint<Translator<float>>(a.ckpt, "translate");
  const std::size_t chunk = isatty(STDIN_FILENO) ? 1 : 256;
  std::size_t errors = 0, lines = 0;
  std::string line;
  bool more = true;
  while (more) {
    std::vector<std::variant<std::u32string, std::string>> parsed;
    std::vector<std::u32string> texts;
    while (parsed.size() < chunk && (more = static_cast<bool>(std::getline(std::cin, line)))) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      parsed.push_back(parse_line(model->config(), line));
      if (auto* text = std::get_if<std::u32string>(&parsed.back())) texts.push_back(*text);
    }
    std::vector<std::string> isos;
    if (a.beam == 1 && !texts.empty()) isos = translate_greedy(*model, texts);
    for (const auto& t : texts)
      if (a.beam > 1) isos.push_back(beam_translate(*model, t, a.beam));
    std::size_t next = 0;
    for (const auto& p : parsed) {
      ++lines;
      if (const auto* error = std::get_if<std::string>(&p)) {
        fmt::print("error: {}\n", *error);
        ++errors;
      } else {
        fmt::print("{}\n", isos[next++]);
      }
    }
    std::fflush(stdout);
  }
  if (errors == 0) return 0;
  fmt::print(stderr,
             "translate: {} of {} lines could not be translated (see their 'error:' lines)\n",
             errors, lines);
  return 2;
}

int attention_command(const translate::Arguments& a) {
  auto model = load_checkpoint<Translator<float>>(a.ckpt, "translate");
  if (model->config().attention == "none")
    throw ValueError(
        fmt::format("'{}' was trained with --attention none: it has no weights to draw", a.ckpt));
  const auto parsed = parse_line(model->config(), a.text);
  if (const auto* error = std::get_if<std::string>(&parsed))
    throw ValueError(fmt::format("'{}': {}", a.text, *error));
  const std::u32string text = std::get<std::u32string>(parsed);
  cli::check_output_folder(a.out);
  NoGrad no_grad;
  model->eval();
  const auto ids = model->config().encode_source(text);
  IndexArray source = IndexArray::from_shape({1, ids.size()});
  std::copy(ids.begin(), ids.end(), source.begin());
  std::vector<Array<float>> weights;
  const auto out = greedy_batch(*model, model->encode(source, {ids.size()}), kStart,
                                kTargetSteps + 1, &weights)[0];
  std::vector<std::vector<double>> rows;
  std::vector<std::string> y;
  for (std::size_t t = 0; t < out.size(); ++t) {
    y.push_back(out[t] == kEnd ? "</s>" : model->config().decode_target({out[t]}));
    rows.emplace_back();
    for (std::size_t s = 0; s < ids.size(); ++s) rows.back().push_back(weights[t](0, s));
    if (out[t] == kEnd) break;
  }
  std::vector<std::string> x;
  for (char32_t c : text) x.push_back(c == U' ' ? "␣" : encode_utf8(c));
  plot::Heatmap h;
  h.title(
       fmt::format("attention: \"{}\" → {}", encode_utf8(text), model->config().decode_target(out)))
      .x_label("input character")
      .y_label("output character")
      .colour_label("weight")
      .x_labels(x)
      .y_labels(y)
      .set(rows);
  h.write(a.out);
  fmt::print("{}\nwrote {}.svg and {}.png\n", model->config().decode_target(out), a.out, a.out);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  translate::CommandLine cli;
  translate::Arguments a;
  try {
    a = cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parsed the same command line: rank 0 alone reports it.
    const int status = cli.exit(e, cli::root_only(std::cout), cli::root_only(std::cerr));
    cli::wait_for_every_rank();
    return status;
  }
  try {
    if (a.command != translate::Command::train)  // train alone shares its work among ranks
      cli::require_one_process(cli::command_of("translate", argc, argv));
    cli::Threads threads{a.threads, {}};
    switch (a.command) {
      case translate::Command::train:
        return train(a.train, threads.apply(1));
      case translate::Command::eval:
        threads.apply(1);
        return eval_command(a);
      case translate::Command::predict:
        threads.apply(1);
        return predict_command(a);
      case translate::Command::attention:
        threads.apply(1);
        return attention_command(a);
    }
    return 1;
  } catch (const std::exception& e) {
    return cli::report_failure("translate", e);
  }
}
