// End-to-end tests of build/bin/charlm on small generated corpora: train, checkpoint, resume,
// sample, eval, Korean text, interruption, and every kind of bad input.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "framework/io/safetensors.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/version.hpp"
#include "layers/checkpoint.hpp"
#include "models/char_lm/char_lm.hpp"
#include "models/char_lm/evaluate.hpp"
#include "models/char_lm/generate.hpp"
#include "models/text/utf8.hpp"
#include "tests/program_run.hpp"
#include "tests/support.hpp"

using namespace unroll;
namespace fs = std::filesystem;

namespace {

using Sandbox = unroll::testing::ScratchDir;
using unroll::testing::english_like;
using unroll::testing::require_one_line_error;
using unroll::testing::Run;
using unroll::testing::slurp;

Run charlm(const Sandbox& box, const std::string& args) {
  return unroll::testing::run_program(CHARLM_BIN, box, args);
}

const std::string kSmall = "--embed 8 --hidden 16 --layers 2 --seq 16 --batch 4 --eval-every 5";

}  // namespace

TEST_CASE("charlm train writes a checkpoint, its training state and a metrics CSV", "[cli]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(4000));
  const auto r = charlm(box, "train --data " + data + " " + kSmall + " --steps 10 --out " +
                                 box.path("m.safetensors") + " --log " + box.path("m.csv"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Contains("step 10/10"));
  const auto file = io::read_safetensors(box.path("m.safetensors"));
  CHECK(file.metadata.at("cell") == "lstm");
  CHECK(file.metadata.at("step") == "10");
  CHECK(file.tensors.count("rnn.weight_hh_l1") == 1);
  CHECK(file.tensors.at("head.weight").shape ==
        Shape{Vocabulary::from_text(decode_utf8(english_like(4000))).size(), 16});
  CHECK(fs::exists(box.path("m.train.safetensors")));
  const auto csv = slurp(box.path("m.csv"));
  CHECK_THAT(csv,
             Catch::StartsWith("step,elapsed_s,train_loss,val_loss,grad_norm,lr,tokens_per_s\n"));
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 11);
}

TEST_CASE("a resumed run continues exactly: 20 steps = 10, save, resume, 10", "[cli][resume]") {
  const std::string windows = GENERATE(std::string("stream"), std::string("random"));
  INFO("--windows " << windows);
  Sandbox box;
  const auto data = box.write("text.txt", english_like(6000));
  const std::string common =
      "train --data " + data + " " + kSmall + " --dropout 0.3 --windows " + windows + " ";
  REQUIRE(charlm(box, common + "--steps 20 --out " + box.path("straight.safetensors")).status == 0);
  REQUIRE(charlm(box, common + "--steps 10 --out " + box.path("half.safetensors") + " --log " +
                          box.path("run.csv"))
              .status == 0);
  const auto r =
      charlm(box, common + "--steps 20 --resume " + box.path("half.safetensors") + " --out " +
                      box.path("resumed.safetensors") + " --log " + box.path("run.csv"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto log = slurp(box.path("run.csv"));  // the resumed run appended: one header, 20 rows
  CHECK(std::count(log.begin(), log.end(), '\n') == 21);
  CHECK(log.find("step,", 1) == std::string::npos);
  const auto a = io::read_safetensors(box.path("straight.safetensors"));
  const auto b = io::read_safetensors(box.path("resumed.safetensors"));
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, tensor] : a.tensors) {
    INFO(name);
    CHECK(tensor.bytes == b.tensors.at(name).bytes);  // bit-identical
  }
}

TEST_CASE("training with --recompute gives the same weights, the model file does not record it",
          "[cli]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(4000));
  const std::string common = "train --data " + data + " " + kSmall + " --steps 8 ";
  REQUIRE(charlm(box, common + "--out " + box.path("kept.safetensors")).status == 0);
  const auto r = charlm(box, common + "--recompute --out " + box.path("recomputed.safetensors"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto a = io::read_safetensors(box.path("kept.safetensors"));
  const auto b = io::read_safetensors(box.path("recomputed.safetensors"));
  CHECK(a.metadata == b.metadata);
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, tensor] : a.tensors) {
    INFO(name);
    CHECK(tensor.bytes == b.tensors.at(name).bytes);  // the same operations in the same order
  }
}

TEST_CASE("resuming with other training settings says which one differs", "[cli][resume]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(6000));
  const std::string common = "train --data " + data + " " + kSmall + " ";
  REQUIRE(charlm(box, common + "--windows random --steps 5 --out " + box.path("r.safetensors"))
              .status == 0);
  const auto r = charlm(box, common + "--windows stream --steps 10 --resume " +
                                 box.path("r.safetensors") + " --out " + box.path("s.safetensors"));
  CHECK(r.status != 0);
  CHECK_THAT(r.err, Catch::Contains("was made with windows random; this run uses stream"));
  CHECK_FALSE(fs::exists(box.path("s.safetensors")));
}

TEST_CASE("the one-step SGD contract: saved weights = init − ∇L of the first window",
          "[cli][contract]") {
  Sandbox box;
  const std::string text = english_like(3000);
  const auto data = box.write("text.txt", text);
  const auto init = box.path("init.safetensors");
  REQUIRE(charlm(box, "train --data " + data + " " + kSmall +
                          " --optimizer sgd --lr 0 --steps 1 --out " + init)
              .status == 0);
  const auto after = box.path("after.safetensors");
  const auto r =
      charlm(box, "train --data " + data + " --init " + init +
                      " --optimizer sgd --lr 1 --batch 1 --seq 16 --steps 1 --clip-norm 0 "
                      "--dropout 0 --out " +
                      after);
  INFO(r.err);
  REQUIRE(r.status == 0);

  const auto file = io::read_safetensors(init);
  CharLM<double> model(CharLMConfig::from_metadata(file.metadata));
  load_parameters(model, file);
  const auto ids = model.config().vocabulary.encode(decode_utf8(text), "test");
  IndexArray inputs = IndexArray::from_shape({1, 16}), targets = IndexArray::from_shape({1, 16});
  for (std::size_t t = 0; t < 16; ++t) inputs(0, t) = ids[t], targets(0, t) = ids[t + 1];
  model.loss(model.forward(inputs).output, targets).backward();
  const auto updated = io::read_safetensors(after);
  for (auto& [name, p] : model.named_parameters()) {
    INFO(name);
    const Array<double> expected = p.value() - p.grad();
    const Array<double> got = updated.at(name).as<double>();
    CHECK(xt::allclose(got, expected, 1e-5, 1e-6));
  }
  tape<double>().reset();
}

TEST_CASE("charlm sample streams a continuation of the prime, eval prints evaluate()'s loss",
          "[cli]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(3000));
  const auto ckpt = box.path("m.safetensors");
  REQUIRE(charlm(box, "train --data " + data + " " + kSmall + " --steps 5 --out " + ckpt).status ==
          0);
  auto r = charlm(
      box, "sample --ckpt " + ckpt + " --prime \"the cat\" --length 40 --temperature 0.7 --seed 3");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith("the cat"));
  CHECK(decode_utf8(r.out).size() == 7 + 40 + 1);
  const auto greedy1 =
      charlm(box, "sample --ckpt " + ckpt + " --prime the --temperature 0 --length 30").out;
  const auto greedy2 =
      charlm(box, "sample --ckpt " + ckpt + " --prime the --temperature 0 --length 30 --seed 9")
          .out;
  CHECK(greedy1 == greedy2);
  r = charlm(box, "eval --ckpt " + ckpt + " --data " + data + " --seq 16 --threads 1");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.out, Catch::Matches(
                        R"(\{"loss_nats": [0-9.]+, "bits_per_char": [0-9.]+, "chars": 2992\}\n)"));
  // The same checkpoint evaluated here, as charlm loads it (float) on as many threads, on the
  // same text and windows: the same computation, so the printed figures are this one's rounded
  // to 6 decimals — within half a unit of the last digit (5e-7), plus the double's own rounding.
  const auto file = io::read_safetensors(ckpt);
  CharLM<float> model(CharLMConfig::from_metadata(file.metadata));
  load_parameters(model, file);
  const auto ids = model.config().vocabulary.encode(decode_utf8(slurp(data)), "test");
  const Evaluation expected = [&] {
    const unroll::testing::ComputeThreads one(1);
    return evaluate(model, ids, 16);
  }();
  const auto printed = nlohmann::json::parse(r.out);
  CHECK(printed.at("chars").get<std::size_t>() == expected.chars);
  const double half_unit = 5e-7 * (1 + 1e-9);
  CHECK(std::abs(printed.at("loss_nats").get<double>() - expected.loss_nats) <= half_unit);
  CHECK(std::abs(printed.at("bits_per_char").get<double>() - expected.bits_per_char) <= half_unit);
}

TEST_CASE("charlm sample draws what sample() draws with the same options", "[cli][sample]") {
  // A model whose logits are its head's bias whatever the state (zero head weights), spread
  // over 2 nats: at another temperature or top-k, 200 draws would not come out the same.
  Sandbox box;
  CharLMConfig config;
  config.layers = 1, config.hidden = 8, config.embed = 4;
  config.vocabulary = Vocabulary::from_text(U"abcdefgh");
  CharLM<float> model(config, 5);
  model.parameter("head.weight").mutable_value().fill(0.0f);
  Array<float>& bias = model.parameter("head.bias").mutable_value();
  for (std::size_t i = 0; i < bias.size(); ++i) bias(i) = 0.25f * static_cast<float>(i) - 1.0f;
  const auto ckpt = box.path("m.safetensors");
  save_parameters(model, ckpt, config.to_metadata());
  const SampleOptions options{
      .prime = "ab", .length = 200, .temperature = 0.4, .top_k = 6, .seed = 12};
  const auto r = charlm(box, "sample --ckpt " + ckpt +
                                 " --prime ab --length 200 --temperature 0.4 --top-k 6 --seed 12");
  REQUIRE(r.status == 0);
  CHECK(r.out == "ab" + sample(model, options) + "\n");
}

TEST_CASE("Korean text round-trips through train and sample", "[cli][unicode]") {
  Sandbox box;
  std::string text;
  for (int i = 0; i < 200; ++i) text += "안녕하세요 세계. 나는 언어 모델입니다.\n";
  const auto data = box.write("ko.txt", text);
  const auto ckpt = box.path("ko.safetensors");
  REQUIRE(charlm(box, "train --data " + data + " " + kSmall + " --steps 5 --out " + ckpt).status ==
          0);
  const auto r = charlm(box, "sample --ckpt " + ckpt + " --prime 안녕 --length 20 --seed 2");
  REQUIRE(r.status == 0);
  const auto symbols = decode_utf8(r.out);  // valid UTF-8
  CHECK(symbols.size() == 2 + 20 + 1);
  const auto vocab = Vocabulary::from_text(decode_utf8(text));
  for (std::size_t i = 0; i + 1 < symbols.size(); ++i) CHECK(vocab.contains(symbols[i]));
}

TEST_CASE("SIGINT saves a checkpoint and exits cleanly, and the run resumes from it",
          "[cli][signal]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(20000));
  const auto ckpt = box.path("m.safetensors"), out = box.path("out.txt");
  const std::string command = "exec " + std::string(CHARLM_BIN) + " train --data " + data + " " +
                              kSmall + " --steps 1000000 --out " + ckpt + " >" + out + " 2>&1";
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Interrupt once training is under way: the first status line (piped, one every 50 steps).
  bool training = false;
  for (int i = 0; i < 3000 && !training; ++i) {
    training = slurp(out).find("\nstep ") != std::string::npos;
    if (!training) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(training);
  ::kill(pid, SIGINT);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK_THAT(slurp(out), Catch::Contains("interrupted: saved"));
  const auto step = std::stoll(io::read_safetensors(ckpt).metadata.at("step"));
  CHECK(step > 0);
  const auto r = charlm(box, "train --data " + data + " " + kSmall + " --steps " +
                                 std::to_string(step + 3) + " --resume " + ckpt + " --out " + ckpt);
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(io::read_safetensors(ckpt).metadata.at("step") == std::to_string(step + 3));
}

TEST_CASE("bad input exits non-zero with one clear line and writes no checkpoint",
          "[cli][errors]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(3000));
  const auto out = box.path("never.safetensors");
  const std::string train = "train " + kSmall + " --steps 2 --out " + out + " ";
  require_one_line_error(charlm(box, train + "--data " + box.path("missing.txt")), "missing.txt");
  require_one_line_error(charlm(box, train + "--data " + box.write("empty.txt", "")), "is empty");
  require_one_line_error(charlm(box, train + "--data " + box.write("bad.txt", "abc\xFF\xFE")),
                         "invalid UTF-8 at byte 3");
  require_one_line_error(charlm(box, train + "--data " + data + " --hidden 0"), "--hidden");
  require_one_line_error(charlm(box, train + "--data " + data + " --seq 0"), "--seq");
  require_one_line_error(charlm(box, train + "--data " + data + " --lr -1"), "--lr");
  require_one_line_error(charlm(box, train + "--data " + box.write("tiny.txt", "abcdef")),
                         "lower the batch size");
  require_one_line_error(charlm(box, "train --data " + data + " --steps 2 --out " +
                                         box.path("no/such/dir/m.safetensors")),
                         "does not exist");
  CHECK_FALSE(fs::exists(out));
  const auto corrupt = box.write("corrupt.safetensors", "not a checkpoint at all, just text");
  require_one_line_error(charlm(box, "sample --ckpt " + corrupt), "corrupt.safetensors");
  require_one_line_error(charlm(box, "sample --ckpt " + box.path("absent.safetensors")),
                         "absent.safetensors");
  const auto ckpt = box.path("m.safetensors");
  REQUIRE(charlm(box, "train --data " + data + " " + kSmall + " --steps 2 --out " + ckpt).status ==
          0);
  require_one_line_error(
      charlm(box, "eval --ckpt " + ckpt + " --data " + box.write("other.txt", "the cat sat €")),
      "symbol '€' (U+20AC) at character 12 is not in the vocabulary");
  require_one_line_error(charlm(box, "sample --ckpt " + ckpt + " --prime Z"), "'Z' (U+005A)");
  require_one_line_error(
      charlm(box, "frobnicate"),
      "unknown command 'frobnicate': expected train, sample, eval, demo, states or cells");
}

// CLI11 2.1's range checks compare with < and >, which NaN passes, and it reads "-1" into an
// unsigned option as 2^64 − 1: --minutes nan trained without end, --length -1 sampled without
// end, a NaN dropout or rate failed later with a message that named no option. Each names its
// option now, before anything is read (the missing files below are never opened).
TEST_CASE("a NaN or a negative count is refused on the command line, naming the option",
          "[cli][errors]") {
  Sandbox box;
  const std::string train =
      "train --data " + box.path("missing.txt") + " --out " + box.path("never.safetensors") + " ";
  for (const std::string option : {"--dropout", "--val-fraction", "--lr", "--clip-norm",
                                   "--clip-value", "--lr-gamma", "--min-lr", "--minutes"})
    require_one_line_error(charlm(box, train + option + " nan"), option + ": nan is not");
  for (const std::string option : {"--temporal-skip", "--seed"})
    require_one_line_error(charlm(box, train + option + " -1"), option + ": -1 is not");
  const std::string sample = "sample --ckpt " + box.path("absent.safetensors") + " ";
  for (const std::string option : {"--length", "--top-k", "--seed"})
    require_one_line_error(charlm(box, sample + option + " -1"), option + ": -1 is not");
  require_one_line_error(charlm(box, sample + "--temperature nan"), "--temperature: nan is not");
  CHECK_FALSE(fs::exists(box.path("never.safetensors")));
}

// Found by tests/fuzz/fuzz_corpus.cpp: batch × (seq + 1) overflowed and the batcher wrote past
// its arrays.
TEST_CASE("a window too long to count is refused, not trained on", "[cli][errors]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(3000));
  require_one_line_error(
      charlm(box, "train --data " + data + " --seq 9223372036854775808 --batch 2 --steps 1 --out " +
                      box.path("m.safetensors")),
      "lower the batch size");
}

namespace {

// Column `name` of every data row of a metrics CSV.
std::vector<std::string> csv_column(const std::string& csv, const std::string& name) {
  std::istringstream lines(csv);
  std::string line, cell;
  std::getline(lines, line);
  std::istringstream header(line);
  std::size_t index = 0;
  while (std::getline(header, cell, ',') && cell != name) ++index;
  std::vector<std::string> values;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    for (std::size_t k = 0; k <= index; ++k) cell.clear(), std::getline(cells, cell, ',');
    values.push_back(cell);
  }
  return values;
}

bool same_tensors(const io::SafetensorsFile& a, const io::SafetensorsFile& b) {
  if (a.tensors.size() != b.tensors.size()) return false;
  for (const auto& [name, tensor] : a.tensors)
    if (!b.tensors.count(name) || tensor.bytes != b.tensors.at(name).bytes) return false;
  return true;
}

// A relu RNN stepped with SGD at lr 1e38 and no clipping: deterministic, the loss is NaN by the
// second step.
const std::string kTiny = "--embed 8 --hidden 16 --layers 2 --seq 16 --batch 4 ";

const std::string kExploding =
    "--embed 8 --hidden 16 --layers 2 --seq 16 --batch 4 --cell rnn --nonlinearity relu "
    "--optimizer sgd --clip-norm 0 ";

}  // namespace

TEST_CASE("a non-finite step stops the run with one line, the last checkpoint stays intact",
          "[cli][nonfinite]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(4000));
  const auto ckpt = box.path("m.safetensors");
  REQUIRE(
      charlm(box, "train --data " + data + " " + kExploding + "--lr 0.1 --steps 5 --out " + ckpt)
          .status == 0);
  const std::string weights = slurp(ckpt), state = slurp(box.path("m.train.safetensors"));
  const auto r = charlm(box, "train --data " + data + " " + kExploding +
                                 "--lr 1e38 --steps 10 --resume " + ckpt + " --out " + ckpt);
  require_one_line_error(r, "(non-finite); it was not applied and training stopped");
  CHECK_THAT(r.err, Catch::Matches("charlm: step [0-9]+: the (loss|gradient norm) is .*\n"));
  CHECK(slurp(ckpt) == weights);
  CHECK(slurp(box.path("m.train.safetensors")) == state);
}

TEST_CASE(
    "charlm train --skip-nonfinite skips such steps and counts them in the CSV and the summary",
    "[cli][nonfinite]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(4000));
  const auto r = charlm(box, "train --data " + data + " " + kExploding +
                                 "--lr 1e38 --steps 10 --skip-nonfinite --out " +
                                 box.path("m.safetensors") + " --log " + box.path("m.csv"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto skipped = csv_column(slurp(box.path("m.csv")), "skipped");
  REQUIRE(skipped.size() == 10);
  CHECK(skipped.front() == "0");
  CHECK(std::stoi(skipped.back()) > 0);
  CHECK_THAT(r.out,
             Catch::Contains("after 10 steps, " + skipped.back() + " skipped as non-finite"));
  CHECK(io::read_safetensors(box.path("m.train.safetensors")).metadata.at("skipped") ==
        skipped.back());
}

TEST_CASE("the CSV's lr follows the schedule's formula", "[cli][schedule]") {
  const double pi = 3.14159265358979323846;
  const std::pair<std::string, std::function<double(int)>> cases[] = {
      {"--lr-schedule cosine --warmup 4",  // cosine over --steps 20, after 4 warm-up steps
       [pi](int t) { return t < 4 ? 0.01 * t / 4 : 0.005 * (1 + std::cos(pi * (t - 4) / 16.0)); }},
      {"--lr-schedule step --lr-step-size 6 --lr-gamma 0.5",
       [](int t) { return 0.01 * std::pow(0.5, t / 6); }}};
  for (const auto& [options, lr] : cases) {
    INFO(options);
    Sandbox box;
    const auto data = box.write("text.txt", english_like(4000));
    const auto r =
        charlm(box, "train --data " + data + " " + kSmall + " --lr 0.01 --steps 20 " + options +
                        " --out " + box.path("m.safetensors") + " --log " + box.path("m.csv"));
    INFO(r.err);
    REQUIRE(r.status == 0);
    const auto rates = csv_column(slurp(box.path("m.csv")), "lr");
    REQUIRE(rates.size() == 20);
    for (int t = 0; t < 20; ++t) {
      INFO("step " << t + 1);
      CHECK(std::stod(rates[t]) == Approx(lr(t)).epsilon(1e-5).margin(1e-12));
    }
  }
}

TEST_CASE("a run with a schedule resumes exactly, the plateau's state included",
          "[cli][resume][schedule]") {
  const std::string schedule =
      GENERATE(std::string("--lr-schedule cosine --warmup 3 --cosine-steps 20"),
               std::string("--lr-schedule plateau --patience 2"));
  INFO(schedule);
  Sandbox box;
  // The validation text is all 'z', which the training text never has: every validation after
  // the first is worse, so the plateau halves at steps 12 and 20 (validations at 4, 8, 12, ...)
  // — the first only if the resumed run remembers the bad validation at step 8.
  const auto data = box.write("text.txt", english_like(5400) + std::string(600, 'z'));
  const std::string common = "train --data " + data + " " + kTiny + "--eval-every 4 --lr 0.01 " +
                             schedule + " --dropout 0.3 ";
  REQUIRE(charlm(box, common + "--steps 20 --out " + box.path("straight.safetensors") + " --log " +
                          box.path("straight.csv"))
              .status == 0);
  REQUIRE(charlm(box, common + "--steps 10 --out " + box.path("half.safetensors")).status == 0);
  const auto r = charlm(box, common + "--steps 20 --resume " + box.path("half.safetensors") +
                                 " --out " + box.path("resumed.safetensors"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto rates = csv_column(slurp(box.path("straight.csv")), "lr");
  CHECK(rates[11] != rates[12]);  // the schedule changed the rate after step 12 (both kinds)
  CHECK(same_tensors(io::read_safetensors(box.path("straight.safetensors")),
                     io::read_safetensors(box.path("resumed.safetensors"))));
}

TEST_CASE(
    "charlm train --keep-best keeps the checkpoint of the minimum validation loss, across a resume",
    "[cli][keep-best]") {
  Sandbox box;
  // Validation gets worse as training goes on (see above): the best is an early one.
  const auto data = box.write("text.txt", english_like(5400) + std::string(600, 'z'));
  const std::string common = "train --data " + data + " " + kTiny +
                             "--eval-every 2 --keep-best --log " + box.path("m.csv") + " --out " +
                             box.path("m.safetensors") + " ";
  REQUIRE(charlm(box, common + "--steps 6").status == 0);
  const auto r = charlm(box, common + "--steps 12 --resume " + box.path("m.safetensors"));
  INFO(r.err);
  REQUIRE(r.status == 0);
  const auto losses = csv_column(slurp(box.path("m.csv")), "val_loss");
  REQUIRE(losses.size() == 12);
  std::size_t best = 1;  // row of step 2, the first validation; empty cells before validations
  for (std::size_t i = 1; i < losses.size(); ++i)
    if (!losses[i].empty() && std::stod(losses[i]) < std::stod(losses[best])) best = i;
  const auto file = io::read_safetensors(box.path("m.best.safetensors"));
  CHECK(std::stod(file.metadata.at("val_loss")) == Approx(std::stod(losses[best])).margin(6e-6));
  CHECK(file.metadata.at("step") == std::to_string(best + 1));
  CHECK(file.metadata.at("cell") == "lstm");
}

TEST_CASE("charlm --version prints the project version, and checkpoints record their writer's",
          "[cli][version]") {
  Sandbox box;
  CHECK(version() == UNROLL_PROJECT_VERSION);  // the generated header follows project(VERSION)
  const auto v = charlm(box, "--version");
  CHECK(v.status == 0);
  CHECK(v.out == std::string("charlm (unroll) ") + UNROLL_PROJECT_VERSION + "\n");

  const auto data = box.write("text.txt", english_like(3000));
  const auto ckpt = box.path("m.safetensors");
  REQUIRE(charlm(box, "train --data " + data + " " + kSmall + " --steps 2 --out " + ckpt).status ==
          0);
  auto file = io::read_safetensors(ckpt);
  CHECK(file.metadata.at("unroll_version") == UNROLL_PROJECT_VERSION);

  // A checkpoint from before the key existed still loads.
  file.metadata.erase("unroll_version");
  io::write_safetensors(ckpt, file);
  const auto r = charlm(box, "sample --ckpt " + ckpt + " --prime the --length 20");
  INFO(r.err);
  CHECK(r.status == 0);
}

TEST_CASE("charlm chooses its threads by default, shows the choice, and a count forces it",
          "[cli][threads]") {
  Sandbox box;
  const auto data = box.write("text.txt", english_like(4000));
  const auto common = "train --data " + data + " " + kSmall + " --steps 12 --out ";
  const auto automatic = charlm(box, common + box.path("auto.safetensors"));
  INFO(automatic.err);
  REQUIRE(automatic.status == 0);
  CHECK_THAT(automatic.out, Catch::Contains("step 12/12") && Catch::Contains("(auto)"));
  // The end of training: validation bits per character beside the unigram baseline's.
  CHECK_THAT(automatic.out, Catch::Contains("bits per character;") &&
                                Catch::Contains("character frequencies alone"));
  const auto forced = charlm(box, common + box.path("two.safetensors") + " --threads 2");
  REQUIRE(forced.status == 0);
  CHECK_THAT(forced.out, !Catch::Contains("(auto)"));
  CHECK(slurp(box.path("auto.safetensors")) == slurp(box.path("two.safetensors")));
  for (const std::string bad : {"0", "-2", "two", "1.5", "99999"})
    require_one_line_error(charlm(box, common + box.path("x.safetensors") + " --threads " + bad),
                           "--threads");
  CHECK_FALSE(fs::exists(box.path("x.safetensors")));
}
