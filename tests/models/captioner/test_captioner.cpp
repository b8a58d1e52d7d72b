// Captioner: batches shift the caption by one, the loss ignores <pad>, stepwise decoding is the
// teacher-forced pass, a float64 gradient check at tiny size, beam 1 = greedy through the model
// and every beam's score is the model's own, the config round-trips through metadata.
#include <catch2/catch.hpp>
#include <cmath>
#include <xtensor/xview.hpp>

#include "framework/ops/nn.hpp"
#include "framework/ops/shape.hpp"
#include "models/captioner/batch.hpp"
#include "models/captioner/decode.hpp"
#include "models/captioner/evaluate.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::captioner;
using unroll::testing::all_close;

namespace {

CaptionerConfig tiny(std::size_t encoder = 3) {
  CaptionerConfig c;
  c.encoder = encoder, c.embed = 2, c.hidden = 3;
  return c;
}

template <class T>
Array<T> pixels_of(const std::vector<tasks::Scene>& scenes) {
  std::vector<GrayImage> images;
  for (const auto& s : scenes) images.push_back(s.image);
  const Array<float> p = pixel_rows(images);
  return Array<T>(xt::cast<T>(p));
}

// Σ log p of `ids` (the <end> included) under the teacher-forced model, for pixels [1, 256].
double sequence_log_prob(const Captioner<float>& model, const Array<float>& pixels,
                         const std::vector<std::int64_t>& ids) {
  IndexArray inputs = IndexArray::from_shape({1, ids.size()});
  inputs(0, 0) = WordVocabulary::kStart;
  for (std::size_t t = 1; t < ids.size(); ++t) inputs(0, t) = ids[t - 1];
  const Array<float> lp = log_softmax(model.forward(pixels, inputs), 2).value();  // [1, T, V]
  double sum = 0;
  for (std::size_t t = 0; t < ids.size(); ++t)
    sum += static_cast<double>(lp(0, t, static_cast<std::size_t>(ids[t])));
  return sum;
}

}  // namespace

TEST_CASE("a caption batch: <start> then the words in, the words then <end> out", "[captioner]") {
  const auto scenes = scene_set(3, tasks::SceneSplit::Train, 4);
  const CaptionBatch b = make_batch(scenes);
  REQUIRE(b.inputs.shape() == std::vector<std::size_t>{4, kCaptionSteps});
  REQUIRE(b.pixels.shape() == std::vector<std::size_t>{4, kPixels});
  const auto& vocabulary = tasks::caption_vocabulary();
  for (std::size_t i = 0; i < 4; ++i) {
    const auto words = vocabulary.encode(scenes[i].caption);
    CHECK(b.inputs(i, 0) == WordVocabulary::kStart);
    for (std::size_t t = 0; t < words.size(); ++t) {
      CHECK(b.targets(i, t) == words[t]);
      CHECK(b.inputs(i, t + 1) == words[t]);
    }
    CHECK(b.targets(i, words.size()) == WordVocabulary::kEnd);
    for (std::size_t t = words.size() + 1; t < kCaptionSteps; ++t)
      CHECK(b.targets(i, t) == WordVocabulary::kPad);
  }
  // Pixels are value / maxval: ink 128..255 of 255, background 0.
  CHECK(*std::max_element(b.pixels.begin(), b.pixels.end()) <= 1.0f);
  CHECK(*std::max_element(b.pixels.begin(), b.pixels.end()) >= 128.0f / 255.0f);
  CHECK(b.pixels(0, 0) == 0.0f);  // row 0 stays black
}

TEST_CASE("image_row refuses an image that is not 16×16", "[captioner][errors]") {
  CHECK_THROWS_WITH(image_row(GrayImage::blank(16, 15)),
                    Catch::Contains("the image is 16×15; the captioner reads 16×16 scenes"));
  const Array<float> row = pixel_rows({GrayImage{16, 16, 4, std::vector<std::uint16_t>(256, 2)}});
  CHECK(row(0, 255) == 0.5f);  // any maxval
}

TEST_CASE("the loss is the mean over the words that are not <pad>", "[captioner]") {
  Captioner<double> model(tiny(), 5);
  const auto scenes = scene_set(4, tasks::SceneSplit::Train, 3);
  const CaptionBatch b = make_batch(scenes);
  const Var<double> logits = model.forward(pixels_of<double>(scenes), b.inputs);  // [3, T, V]
  const Array<double> lp = log_softmax(logits, 2).value();
  double sum = 0;
  std::size_t words = 0;
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t t = 0; t < kCaptionSteps; ++t)
      if (b.targets(i, t) != WordVocabulary::kPad)
        sum -= lp(i, t, static_cast<std::size_t>(b.targets(i, t))), ++words;
  REQUIRE(words < 3 * kCaptionSteps);  // some padding to ignore
  CHECK(Captioner<double>::loss(logits, b.targets).value()() == Approx(sum / words).epsilon(1e-12));
  // Logits at padded steps get no gradient.
  Var<double> leaf(logits.value(), true);
  Captioner<double>::loss(leaf, b.targets).backward();
  for (std::size_t t = 0; t < kCaptionSteps; ++t)
    if (b.targets(0, t) == WordVocabulary::kPad)
      for (std::size_t v = 0; v < model.vocabulary_size(); ++v) CHECK(leaf.grad()(0, t, v) == 0.0);
}

TEST_CASE("stepwise decoding gives the teacher-forced logits", "[captioner]") {
  Captioner<double> model(tiny(), 6);
  NoGrad no_grad;
  const auto scenes = scene_set(5, tasks::SceneSplit::Train, 2);
  const CaptionBatch b = make_batch(scenes);
  const Array<double> pixels = pixels_of<double>(scenes);
  const Array<double> whole = model.forward(pixels, b.inputs).value();  // [2, T, V]
  StepState<double> state = model.start(pixels);
  for (std::size_t t = 0; t < 5; ++t) {
    IndexArray column = IndexArray::from_shape({2});
    for (std::size_t i = 0; i < 2; ++i) column(i) = b.inputs(i, t);
    CHECK(all_close(model.step(column, state).value(),
                    Array<double>(xt::view(whole, xt::all(), t, xt::all())), 1e-12));
  }
}

TEST_CASE("gradcheck: a tiny captioner, MLP and Linear encoder", "[captioner][gradcheck]") {
  for (std::size_t encoder : {3, 0}) {
    INFO("encoder " << encoder);
    Captioner<double> model(tiny(encoder), 7);
    const auto scenes = scene_set(6, tasks::SceneSplit::Train, 2);
    CaptionBatch b = make_batch(scenes);
    const Array<double> pixels = pixels_of<double>(scenes);
    REQUIRE_GRADCHECK(
        [&](const std::vector<Var<double>>&) {
          return reshape(Captioner<double>::loss(model.forward(pixels, b.inputs), b.targets), {1});
        },
        std::vector<Array<double>>{}, model.parameters());
  }
}

TEST_CASE("beam 1 is greedy through the model, and every beam scores as the model does",
          "[captioner][decoding]") {
  CaptionerConfig c;
  c.encoder = 16, c.embed = 8, c.hidden = 16;
  Captioner<float> model(c, 9);
  for (const auto& scene : scene_set(8, tasks::SceneSplit::HeldOut, 6)) {
    const Array<float> pixels = pixel_rows({scene.image});
    DecodeOptions options;
    options.max_length = kCaptionSteps, options.beam = 1;
    NoGrad no_grad;
    const Hypothesis greedy = greedy_decode(caption_step(model, pixels), options);
    const auto beam1 = beam_search(caption_step(model, pixels), options);
    REQUIRE(beam1.size() == 1);
    CHECK(beam1[0].ids == greedy.ids);
    CHECK(beam1[0].log_prob == Approx(greedy.log_prob).epsilon(1e-6));
    CHECK(caption_ids(model, pixels, 1) == greedy.ids);
    // Beam 3: each hypothesis's score is its teacher-forced log-probability — the decoder state
    // followed the right parents — and the best is at least greedy's.
    options.beam = 3;
    const auto beams = beam_search(caption_step(model, pixels), options);
    REQUIRE(!beams.empty());
    CHECK(beams[0].log_prob >= greedy.log_prob - 1e-5);
    for (const Hypothesis& h : beams)
      CHECK(sequence_log_prob(model, pixels, h.ids) == Approx(h.log_prob).margin(1e-4));
  }
}

TEST_CASE("the captioner's config round-trips through metadata and refuses others",
          "[captioner][errors]") {
  CaptionerConfig c;
  c.encoder = 0, c.embed = 5, c.hidden = 7;
  const auto m = c.to_metadata();
  CHECK(m.at("program") == "caption");
  const CaptionerConfig back = CaptionerConfig::from_metadata(m);
  CHECK(back.encoder == 0);
  CHECK(back.embed == 5);
  CHECK(back.hidden == 7);
  auto other = m;
  other["program"] = "classify";
  CHECK_THROWS_WITH(CaptionerConfig::from_metadata(other), Catch::Contains("'classify'"));
  auto bad = m;
  bad.at("hidden").assign(1, '0');
  CHECK_THROWS_AS(CaptionerConfig::from_metadata(bad), ValueError);
  CHECK_THROWS_AS(Captioner<float>(CaptionerConfig{3, 0, 4}), ValueError);
  Captioner<float> model(c);
  CHECK_NOTHROW(model.parameter("init_h.weight"));
  CHECK_THROWS_AS(model.parameter("encoder.weight"), ValueError);  // encoder 0: no MLP
  CHECK_NOTHROW(model.parameter("decoder.weight_hh_l0"));
  CHECK_THROWS_WITH(model.start(Array<float>::from_shape({2, 255})),
                    Catch::Contains("pixels [2,255]: expected [B, 256]"));
}
