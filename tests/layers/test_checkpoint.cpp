// Checkpoints: a module's parameters saved under their names and loaded back, all or nothing.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "layers/checkpoint.hpp"
#include "layers/embedding.hpp"
#include "layers/linear.hpp"
#include "layers/recurrent.hpp"
#include "tests/scratch_dir.hpp"

using namespace unroll;
using Catch::Contains;

namespace fs = std::filesystem;

namespace {

// A model with children, as a user writes one; `seed` varies its initial weights.
template <class T>
struct Model : Module<T> {
  std::shared_ptr<Embedding<T>> embed;
  std::shared_ptr<LSTM<T>> rnn;
  std::shared_ptr<Linear<T>> head;
  explicit Model(std::uint64_t seed, std::size_t hidden = 4) {
    embed = this->register_module("embed", std::make_shared<Embedding<T>>(10, 3, seed));
    rnn = this->register_module(
        "rnn", std::make_shared<LSTM<T>>(LSTMOptions(3, hidden).layers(2).seed(seed)));
    head = this->register_module("head", std::make_shared<Linear<T>>(hidden, 10, seed));
  }
};

// A module with one child "layer", as PyTorch names nn.Sequential-free submodules.
struct Wrapper : Module<float> {
  std::shared_ptr<Linear<float>> layer;
  Wrapper(bool bias = true) {
    layer = register_module("layer", std::make_shared<Linear<float>>(3, 2, 5, bias));
  }
};

using unroll::testing::ScratchDir;

// Do both modules hold the same names with values equal after converting to double?
template <class A, class B>
bool same_parameters(const A& a, const B& b) {
  const auto pa = a.named_parameters();
  const auto pb = b.named_parameters();
  if (pa.size() != pb.size()) return false;
  for (std::size_t i = 0; i < pa.size(); ++i)
    if (pa[i].first != pb[i].first ||
        xt::cast<double>(pa[i].second.value()) != xt::cast<double>(pb[i].second.value()))
      return false;
  return true;
}

}  // namespace

TEST_CASE("parameters and metadata round-trip through a checkpoint", "[checkpoint]") {
  ScratchDir dir;
  const std::string path = dir.path("model.safetensors");
  Model<float> saved(1), loaded(2);
  REQUIRE(!same_parameters(saved, loaded));
  save_parameters(saved, path, {{"step", "1200"}, {"cell", "lstm"}});

  const auto file = io::read_safetensors(path);
  CHECK(file.tensors.size() == saved.named_parameters().size());
  CHECK(file.at("rnn.weight_hh_l1").shape == Shape{16, 4});
  CHECK(file.at("rnn.weight_hh_l1").dtype == io::DType::F32);

  const auto metadata = load_parameters(loaded, path);
  CHECK(metadata == std::map<std::string, std::string>{{"step", "1200"}, {"cell", "lstm"}});
  CHECK(same_parameters(saved, loaded));
  // The module's members changed with the registry.
  CHECK((loaded.head->weight.value() == saved.head->weight.value()));
}

TEST_CASE("float64 checkpoints load into float32 modules and back", "[checkpoint]") {
  ScratchDir dir;
  Model<double> wide(3);
  save_parameters(wide, dir.path("f64.safetensors"));
  CHECK(io::read_safetensors(dir.path("f64.safetensors")).at("embed.weight").dtype ==
        io::DType::F64);
  Model<float> narrow(4);
  load_parameters(narrow, dir.path("f64.safetensors"));
  CHECK((narrow.embed->weight.value() == xt::cast<float>(wide.embed->weight.value())));

  save_parameters(narrow, dir.path("f32.safetensors"));
  Model<double> back(5);
  load_parameters(back, dir.path("f32.safetensors"));
  CHECK(same_parameters(back, narrow));
}

TEST_CASE("extra tensors are saved beside the parameters and ignored on load", "[checkpoint]") {
  ScratchDir dir;
  Model<float> model(1);
  Array<float> half = Array<float>::from_shape({4});
  half.fill(0.5f);
  const auto moments = io::StoredTensor::from(half);
  save_parameters(model, dir.path("m.safetensors"), {}, {{"adam.step", moments}});
  CHECK(io::read_safetensors(dir.path("m.safetensors")).at("adam.step").as<float>()(2) == 0.5f);
  Model<float> other(2);
  load_parameters(other, dir.path("m.safetensors"));
  CHECK(same_parameters(model, other));

  REQUIRE_THROWS_AS(save_parameters(model, dir.path("n.safetensors"), {}, {{"head.bias", moments}}),
                    ValueError);
  REQUIRE_THROWS_WITH(
      save_parameters(model, dir.path("n.safetensors"), {}, {{"head.bias", moments}}),
      Contains("extra tensor 'head.bias' clashes with a parameter"));
  CHECK(!fs::exists(dir.path("n.safetensors")));
}

TEST_CASE("a Linear loads weights written by Python under PyTorch names", "[checkpoint]") {
  Wrapper model;
  const auto metadata =
      load_parameters(model, std::string(UNROLL_FIXTURES_DIR) + "/io/python_written.safetensors");
  CHECK(metadata.at("format") == "pt");
  for (std::size_t i = 0; i < 6; ++i)
    CHECK(model.layer->weight.value().data()[i] == (static_cast<float>(i) - 2.5f) / 7.0f);
  CHECK(model.layer->bias.value()(1) == static_cast<float>(1.0 / 3.0 + 1.0));
}

TEST_CASE("loading names missing tensors and wrong shapes and changes nothing", "[checkpoint]") {
  ScratchDir dir;
  const std::string no_bias = dir.path("no_bias.safetensors");
  save_parameters(Wrapper(false), no_bias);
  Wrapper model;
  const Array<float> before = model.layer->weight.value();

  REQUIRE_THROWS_AS(load_parameters(model, no_bias), ValueError);
  REQUIRE_THROWS_WITH(load_parameters(model, no_bias), Contains("load_parameters: " + no_bias +
                                                                ": the file has no tensor for "
                                                                "layer.bias"));
  CHECK((model.layer->weight.value() == before));  // all or nothing

  const std::string wide = dir.path("wide.safetensors");
  save_parameters(Model<float>(1, 5), wide);
  Model<float> narrow(2, 4);
  REQUIRE_THROWS_AS(load_parameters(narrow, wide), ShapeError);
  REQUIRE_THROWS_WITH(load_parameters(narrow, wide),
                      Contains("'rnn.weight_ih_l0' has shape [20,3] in the file; the module "
                               "expects [16,3]"));
  CHECK(!same_parameters(narrow, Model<float>(1, 4)));
  CHECK(same_parameters(narrow, Model<float>(2, 4)));
}

TEST_CASE("loading names the file that does not exist or is not a checkpoint", "[checkpoint]") {
  ScratchDir dir;
  Wrapper model;
  const std::string absent = dir.path("absent.safetensors");
  REQUIRE_THROWS_AS(load_parameters(model, absent), io::FileError);
  REQUIRE_THROWS_WITH(load_parameters(model, absent), Contains("cannot open '" + absent + "'"));

  const std::string text = dir.path("notes.txt");
  std::ofstream(text) << "these are not tensors, just a text file of some length";
  REQUIRE_THROWS_AS(load_parameters(model, text), io::FormatError);
  REQUIRE_THROWS_WITH(load_parameters(model, text), Contains(text + ": header length"));

  REQUIRE_THROWS_AS(load_parameters(model, dir.dir.string()), io::FileError);
  REQUIRE_THROWS_WITH(load_parameters(model, dir.dir.string()), Contains("is not a regular file"));
}
