// safetensors: the exact byte layout, files written by Python, every rejection, a mutation fuzz
// test of the parser, and atomic saves under SIGKILL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "framework/io/safetensors.hpp"
#include "tests/scratch_dir.hpp"
#include "tests/support.hpp"

using namespace unroll;
using Catch::Contains;
using unroll::testing::random_array;

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

namespace {

using unroll::testing::ScratchDir;

Bytes file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

io::SafetensorsFile parse(const Bytes& bytes) {
  return io::parse_safetensors(bytes.data(), bytes.size(), "test.safetensors");
}

// A file from a JSON header (prefixed with its length, unpadded) and `data_size` data bytes.
Bytes file_of(const std::string& header, std::size_t data_size = 0) {
  std::string text(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(text.data(), &n, 8);
  text += header;
  Bytes out(text.begin(), text.end());
  out.resize(out.size() + data_size, 0x5a);
  return out;
}

// The parser rejects `bytes` with a FormatError whose message contains `fragment`.
void require_rejected(const Bytes& bytes, const std::string& fragment) {
  INFO("expected a FormatError containing: " << fragment);
  REQUIRE_THROWS_AS(parse(bytes), io::FormatError);
  REQUIRE_THROWS_WITH(parse(bytes), Contains(fragment));
}

// The bytes of a string followed by raw bytes.
Bytes concat(std::string text, std::initializer_list<std::uint8_t> raw) {
  Bytes out(text.begin(), text.end());
  out.insert(out.end(), raw);
  return out;
}

// An array of `shape` filled with `value`.
template <class T>
Array<T> filled(const Shape& shape, T value) {
  Array<T> a = Array<T>::from_shape(shape);
  a.fill(value);
  return a;
}

// A small valid file: F32 and F64, a scalar, an empty tensor, metadata.
io::SafetensorsFile sample_file() {
  io::SafetensorsFile file;
  file.add("encoder.weight", Array<float>(random_array({3, 4}, 1)));
  file.add("encoder.bias", Array<double>(random_array({4}, 2)));
  file.add("step", Array<float>(Array<float>::from_shape({})));
  file.add("empty", Array<float>::from_shape({0, 5}));
  file.metadata = {{"format", "pt"}, {"epoch", "3"}};
  return file;
}

bool same_tensors(const io::SafetensorsFile& a, const io::SafetensorsFile& b) {
  if (a.tensors.size() != b.tensors.size()) return false;
  for (const auto& [name, t] : a.tensors) {
    const auto it = b.tensors.find(name);
    if (it == b.tensors.end() || it->second.dtype != t.dtype || it->second.bytes != t.bytes ||
        !std::equal(t.shape.begin(), t.shape.end(), it->second.shape.begin(),
                    it->second.shape.end()))
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("F32 and F64 tensors and metadata round-trip through a file", "[safetensors]") {
  ScratchDir dir;
  const Array<float> w = random_array({5, 7}, 3);
  const Array<double> b = random_array({2, 3, 4}, 4);
  io::SafetensorsFile file;
  file.add("w", w);
  file.add("b", b);
  file.metadata = {{"format", "pt"}, {"note", "ünïcode ✓"}};
  io::write_safetensors(dir.path("rt.safetensors"), file);

  const auto back = io::read_safetensors(dir.path("rt.safetensors"));
  CHECK(back.metadata == file.metadata);
  CHECK(same_tensors(back, file));
  CHECK(back.at("w").dtype == io::DType::F32);
  CHECK(back.at("b").dtype == io::DType::F64);
  CHECK((back.at("w").as<float>() == w));
  CHECK((back.at("b").as<double>() == b));
  // Conversions: F64 into a float model, F32 into a double one.
  CHECK((back.at("b").as<float>() == xt::cast<float>(b)));
  CHECK((back.at("w").as<double>() == xt::cast<double>(w)));
  CHECK(file_bytes(dir.path("rt.safetensors")) == io::serialize_safetensors(file));
}

TEST_CASE("the bytes match a hand-computed file", "[safetensors]") {
  SECTION("one F32 tensor, header padded with spaces to 8 bytes") {
    io::SafetensorsFile file;
    Array<float> a = Array<float>::from_shape({1, 1, 2, 3});
    for (std::size_t i = 0; i < 6; ++i) a.data()[i] = static_cast<float>(i);
    file.add("attn0", a);
    const std::string json = R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})";
    REQUIRE(json.size() == 65);  // + 7 spaces = 72 = 0x48
    const Bytes expected = concat(std::string("\x48\0\0\0\0\0\0\0", 8) + json + "       ",
                                  {0, 0, 0,    0,    0, 0, 0x80, 0x3f, 0, 0, 0,    0x40,    // 0 1 2
                                   0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40});  // 3 4 5
    CHECK(io::serialize_safetensors(file) == expected);
    CHECK(same_tensors(parse(expected), file));
  }
  SECTION("metadata first, then F64 before F32, each aligned to its element size") {
    io::SafetensorsFile file;
    file.add("a", filled<float>({1}, 1.0f));
    file.add("b", filled<double>({1}, -2.0));
    file.metadata = {{"k", "v"}};
    const std::string json =
        R"({"__metadata__":{"k":"v"},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
        R"("a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
    REQUIRE(json.size() == 133);  // + 3 spaces = 136 = 0x88
    const Bytes expected = concat(std::string("\x88\0\0\0\0\0\0\0", 8) + json + "   ",
                                  {0, 0, 0, 0, 0, 0, 0, 0xc0,  // -2.0
                                   0, 0, 0x80, 0x3f});         // 1.0f
    CHECK(io::serialize_safetensors(file) == expected);
    const auto back = parse(expected);
    CHECK(same_tensors(back, file));
    CHECK(back.metadata == file.metadata);
  }
  SECTION("no tensors") {
    const Bytes expected = concat(std::string("\x08\0\0\0\0\0\0\0", 8) + "{}      ", {});
    CHECK(io::serialize_safetensors(io::SafetensorsFile{}) == expected);
    CHECK(parse(expected).tensors.empty());
  }
}

TEST_CASE("a file written by Python loads with its values", "[safetensors]") {
  const std::string path = std::string(UNROLL_FIXTURES_DIR) + "/io/python_written.safetensors";
  const auto file = io::read_safetensors(path);
  CHECK(file.metadata == std::map<std::string, std::string>{
                             {"format", "pt"}, {"producer", "make_safetensors_fixture.py"}});
  REQUIRE(file.tensors.size() == 4);

  const auto weight = file.at("layer.weight").as<float>();
  REQUIRE(weight.shape() == Shape{2, 3});
  for (std::size_t i = 0; i < 6; ++i)  // (arange(6) − 2.5) / 7 in float32, as torch computes it
    CHECK(weight.data()[i] == (static_cast<float>(i) - 2.5f) / 7.0f);
  const auto bias = file.at("layer.bias").as<double>();
  CHECK(file.at("layer.bias").dtype == io::DType::F64);
  REQUIRE(bias.shape() == Shape{2});
  for (std::size_t i = 0; i < 2; ++i) CHECK(bias(i) == static_cast<double>(i) / 3.0 + 1.0);
  CHECK(file.at("scale").shape.empty());
  CHECK(file.at("scale").as<float>()() == 2.5f);
  CHECK(file.at("empty").as<float>().shape() == Shape{0, 2});

  // The C++ writer produces the very same bytes from the same tensors.
  io::SafetensorsFile same;
  for (const auto& [name, tensor] : file.tensors) same.tensors[name] = tensor;
  same.metadata = file.metadata;
  CHECK(io::serialize_safetensors(same) == file_bytes(path));
}

TEST_CASE("truncated files and bad header lengths are rejected", "[safetensors]") {
  require_rejected({1, 2, 3}, "3 bytes is too short");
  require_rejected({}, "0 bytes is too short");
  Bytes bytes = file_of(R"({})");
  bytes[0] = 100;
  require_rejected(bytes, "header length 100 runs past the end of the file (2 bytes");
  std::fill(bytes.begin(), bytes.begin() + 8, 0xff);
  require_rejected(bytes, "header length 18446744073709551615 exceeds the limit");
  const std::uint64_t large = 200'000'000;
  std::memcpy(bytes.data(), &large, 8);
  require_rejected(bytes, "exceeds the limit of 100000000 bytes");
}

TEST_CASE("headers that are not a JSON object are rejected", "[safetensors]") {
  require_rejected(file_of(R"({"w": {"dtype": "F32")"), "header is not valid JSON");
  require_rejected(file_of(""), "header is not valid JSON");
  require_rejected(file_of("[1, 2]"), "header is not a JSON object");
  require_rejected(file_of(R"("text")"), "header is not a JSON object");
  require_rejected(file_of("{\"w\xff\": 1}"), "header is not valid JSON");  // invalid UTF-8
  // Found by `make fuzz`: a number beyond double's range (nlohmann throws out_of_range).
  require_rejected(file_of(R"({"__metadata__": {"k": 8e888}})"), "number overflow parsing '8e888'");
  require_rejected(file_of(std::string(20, '[') + std::string(20, ']')), "nests deeper than 16");
  require_rejected(file_of(R"({"a": {}, "a": {}})"), "repeats the key 'a'");
}

TEST_CASE("tensor entries need an object with dtype, shape and data_offsets", "[safetensors]") {
  require_rejected(file_of(R"({"w": 5})"), "tensor 'w' is not a JSON object");
  require_rejected(file_of(R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", 4),
                   "tensor 'w': no 'dtype'");
  require_rejected(file_of(R"({"w": {"dtype": "F32", "data_offsets": [0, 4]}})", 4),
                   "tensor 'w': no 'shape'");
  require_rejected(file_of(R"({"w": {"dtype": "F32", "shape": [1]}})", 4),
                   "tensor 'w': no 'data_offsets'");
  require_rejected(file_of(R"({"w": {"dtype": 32, "shape": [1], "data_offsets": [0, 4]}})", 4),
                   "tensor 'w': dtype is not a string");
}

TEST_CASE("dtypes other than F32 and F64 are rejected by name", "[safetensors]") {
  for (const std::string dtype : {"F16", "BF16", "I64", "Q7"})
    require_rejected(
        file_of(R"({"w": {"dtype": ")" + dtype + R"(", "shape": [1], "data_offsets": [0, 4]}})", 4),
        "tensor 'w': unsupported dtype '" + dtype + "' (unroll reads F32 and F64)");
}

TEST_CASE("shapes must be arrays of non-negative integers without overflow", "[safetensors]") {
  const auto with_shape = [](const std::string& shape) {
    return file_of(R"({"w": {"dtype": "F32", "shape": )" + shape + R"(, "data_offsets": [0, 8]}})",
                   8);
  };
  require_rejected(with_shape("[-1, 2]"), "tensor 'w': shape entry -1 is not a non-negative");
  require_rejected(with_shape("[2.0]"), "shape entry 2.0 is not a non-negative integer");
  require_rejected(with_shape(R"(["2"])"), R"(shape entry "2" is not)");
  require_rejected(with_shape("2"), "tensor 'w': shape is not an array");
  require_rejected(with_shape("[4294967296, 4294967296, 2]"),
                   "the byte size of shape [4294967296,4294967296,2] of F32 overflows");
  require_rejected(with_shape("[18446744073709551615]"), "overflows");
  require_rejected(with_shape("[18446744073709551616]"), "is not a non-negative integer");
}

TEST_CASE("data offsets must lie in the buffer and match shape x dtype", "[safetensors]") {
  const auto with_offsets = [](const std::string& offsets, std::size_t data) {
    return file_of(R"({"w": {"dtype": "F64", "shape": [2], "data_offsets": )" + offsets + "}}",
                   data);
  };
  require_rejected(with_offsets("[0, 400]", 16),
                   "tensor 'w': data_offsets [0,400] are out of range: the data buffer holds 16");
  require_rejected(with_offsets("[16, 0]", 16), "data_offsets [16,0] begin after they end");
  require_rejected(with_offsets("[0, 12]", 16),
                   "data_offsets [0,12] hold 12 bytes; shape [2] of F64 needs 16");
  require_rejected(with_offsets("[0]", 16), "data_offsets is not a pair [begin, end]");
  require_rejected(with_offsets("[0, 16, 32]", 32), "data_offsets is not a pair");
  require_rejected(with_offsets("[0, -16]", 16), "data_offsets entry -16 is not a non-negative");
  require_rejected(with_offsets(R"({"begin": 0})", 16), "data_offsets is not a pair");
}

TEST_CASE("tensors must tile the data buffer: no overlap, gap or trailing byte", "[safetensors]") {
  const std::string a = R"("a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]})";
  require_rejected(
      file_of("{" + a + R"(, "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})", 24),
      "tensors 'a' [0,16] and 'b' [8,24] overlap");
  require_rejected(
      file_of("{" + a + R"(, "b": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 16),
      "overlap");
  require_rejected(
      file_of("{" + a + R"(, "b": {"dtype": "F32", "shape": [1], "data_offsets": [20, 24]}})", 24),
      "bytes [16,20) of the data buffer belong to no tensor");
  require_rejected(file_of("{" + a + "}", 20), "bytes [16,20) of the data buffer belong to no");
  // In any order in the header; empty tensors may share an offset.
  const auto file = parse(file_of(
      R"({"e": {"dtype": "F64", "shape": [0], "data_offsets": [16, 16]}, "z": {"dtype": "F32", )"
      R"("shape": [0, 3], "data_offsets": [16, 16]}, )" +
          a + "}",
      16));
  CHECK(file.tensors.size() == 3);
}

TEST_CASE("metadata must be an object of strings", "[safetensors]") {
  require_rejected(file_of(R"({"__metadata__": {"epoch": 3}})"),
                   "__metadata__ value of 'epoch' is 3, not a string");
  require_rejected(file_of(R"({"__metadata__": {"a": "b", "c": null}})"),
                   "value of 'c' is null, not a string");
  require_rejected(file_of(R"({"__metadata__": ["pt"]})"), "__metadata__ is not a JSON object");
  CHECK(parse(file_of(R"({"__metadata__": {}})")).metadata.empty());
}

TEST_CASE("writing rejects inconsistent tensors, reserved names and missing directories",
          "[safetensors]") {
  ScratchDir dir;
  io::SafetensorsFile file;
  file.tensors["w"] = io::StoredTensor{io::DType::F32, Shape{2, 3}, Bytes(20)};
  REQUIRE_THROWS_AS(io::serialize_safetensors(file), ValueError);
  REQUIRE_THROWS_WITH(io::write_safetensors(dir.path("x.safetensors"), file),
                      Contains("tensor 'w' holds 20 bytes; shape [2,3] of F32 needs 24"));
  CHECK(!fs::exists(dir.path("x.safetensors")));

  io::SafetensorsFile reserved;
  REQUIRE_THROWS_AS(reserved.add("__metadata__", Array<float>::from_shape({1})), ValueError);
  reserved.add("w", Array<float>::from_shape({1}));
  REQUIRE_THROWS_WITH(reserved.add("w", Array<float>::from_shape({1})),
                      Contains("'w' is already there"));
  REQUIRE_THROWS_WITH(reserved.at("v"), Contains("no tensor named 'v' (known: w)"));

  const std::string missing = dir.path("no/such/dir/x.safetensors");
  REQUIRE_THROWS_AS(io::write_safetensors(missing, reserved), io::FileError);
  REQUIRE_THROWS_WITH(io::write_safetensors(missing, reserved),
                      Contains("cannot write '" + missing + "': directory '" +
                               dir.path("no/such/dir") + "' does not exist"));

  // The target is a directory: the rename fails, the temporary is removed.
  fs::create_directory(dir.path("taken"));
  REQUIRE_THROWS_AS(io::write_safetensors(dir.path("taken"), reserved), io::FileError);
  CHECK(fs::is_directory(dir.path("taken")));
  CHECK(std::distance(fs::directory_iterator(dir.dir), fs::directory_iterator()) == 1);
}

TEST_CASE("reading names the path that cannot be read", "[safetensors]") {
  ScratchDir dir;
  const std::string missing = dir.path("absent.safetensors");
  REQUIRE_THROWS_AS(io::read_safetensors(missing), io::FileError);
  REQUIRE_THROWS_WITH(io::read_safetensors(missing),
                      Contains("cannot open '" + missing + "': No such file or directory"));
  REQUIRE_THROWS_WITH(io::read_safetensors(dir.dir.string()), Contains("is not a regular file"));
  std::ofstream(dir.path("short.safetensors")) << "abc";
  REQUIRE_THROWS_AS(io::read_safetensors(dir.path("short.safetensors")), io::FormatError);
  REQUIRE_THROWS_WITH(io::read_safetensors(dir.path("short.safetensors")),
                      Contains(dir.path("short.safetensors") + ": 3 bytes is too short"));
}

TEST_CASE("mutated files either load or throw unroll::Error", "[safetensors][fuzz]") {
  const Bytes valid = io::serialize_safetensors(sample_file());
  std::uint64_t header_n;
  std::memcpy(&header_n, valid.data(), 8);
  std::mt19937_64 rng(20240611);
  const auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  const std::string interesting = "{}[]\":,0123456789-.e \\FUI";

  int loaded = 0, rejected = 0;
  for (int iteration = 0; iteration < 20000; ++iteration) {
    Bytes bytes = valid;
    const int mutations = 1 + static_cast<int>(pick(3));
    for (int m = 0; m < mutations && !bytes.empty(); ++m) {
      switch (pick(7)) {
        case 0:  // flip a bit
          bytes[pick(bytes.size())] ^= static_cast<std::uint8_t>(1u << pick(8));
          break;
        case 1:  // overwrite a byte with a random one
          bytes[pick(bytes.size())] = static_cast<std::uint8_t>(rng());
          break;
        case 2:  // overwrite a header byte with JSON punctuation or a digit
          bytes[8 + pick(header_n)] =
              static_cast<std::uint8_t>(interesting[pick(interesting.size())]);
          break;
        case 3:  // truncate
          bytes.resize(pick(bytes.size()));
          break;
        case 4: {  // edit the header length
          const std::uint64_t n = pick(2) ? header_n + pick(17) - 8 : rng();
          if (bytes.size() >= 8) std::memcpy(bytes.data(), &n, 8);
          break;
        }
        case 5:  // insert bytes
          bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(pick(bytes.size() + 1)),
                       pick(4) + 1, static_cast<std::uint8_t>(rng()));
          break;
        default:  // delete bytes
          bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(pick(bytes.size())));
          break;
      }
    }
    try {
      const auto file = io::parse_safetensors(bytes.data(), bytes.size(), "fuzz");
      for (const auto& [name, tensor] : file.tensors)
        REQUIRE(tensor.as<double>().size() == tensor.size());
      ++loaded;
    } catch (const unroll::Error&) {
      ++rejected;
    }
  }
  INFO("loaded " << loaded << ", rejected " << rejected);
  CHECK(loaded > 0);
  CHECK(rejected > 0);
}

TEST_CASE("a save killed at any moment leaves the target absent or complete", "[safetensors]") {
  ScratchDir dir;
  const std::string target = dir.path("big.safetensors");
  io::SafetensorsFile file;
  Array<float> big = Array<float>::from_shape({30 * 1024 * 1024 / 4});  // 30 MB
  for (std::size_t i = 0; i < big.size(); ++i) big.data()[i] = static_cast<float>(i % 1000);
  file.add("big", big);
  file.add("tag", filled<double>({3}, 7.0));
  file.metadata = {{"run", "kill-test"}};

  const auto started = std::chrono::steady_clock::now();
  io::write_safetensors(dir.path("timing.safetensors"), file);
  const auto save_time = std::chrono::steady_clock::now() - started;
  fs::remove(dir.path("timing.safetensors"));

  const auto leftovers = [&] {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(dir.dir))
      count += entry.path().filename().string().rfind(".big.safetensors.tmp.", 0) == 0;
    return count;
  };
  std::mt19937 rng(7);
  int kills_mid_save = 0, complete_targets = 0;
  for (int kill = 0; kill < 8; ++kill) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // save forever, until killed
      try {
        for (;;) io::write_safetensors(target, file);
      } catch (...) {
        ::_exit(1);
      }
    }
    const auto delay = std::chrono::duration_cast<std::chrono::microseconds>(save_time) *
                       std::uniform_real_distribution<double>(0.2, 3.0)(rng);
    std::this_thread::sleep_for(delay);
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));  // it was still saving, not failed

    kills_mid_save += leftovers() > 0;
    if (fs::exists(target)) {
      const auto back = io::read_safetensors(target);
      REQUIRE(same_tensors(back, file));
      REQUIRE(back.metadata == file.metadata);
      ++complete_targets;
    }
  }
  INFO("kills mid-save: " << kills_mid_save << ", complete targets: " << complete_targets);
  CHECK(kills_mid_save > 0);
  // The next save removes the temporaries of the killed processes.
  io::write_safetensors(target, file);
  CHECK(leftovers() == 0);
  CHECK(same_tensors(io::read_safetensors(target), file));
}
