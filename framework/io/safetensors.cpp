#include "framework/io/safetensors.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "framework/io/atomic_file.hpp"

namespace unroll::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; this code copies it as is");
static_assert(sizeof(std::size_t) == 8, "shape extents are u64 in the file");

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr int kMaxJsonDepth = 16;  // a valid header nests 3 deep (object, tensor, shape)

// Where a parsed tensor's bytes lie in the data buffer.
struct Placement {
  const std::string* name;
  StoredTensor* tensor;
  std::uint64_t begin, end;
};

// A file's parsed header: the tensors (bytes not yet filled) and where their bytes lie.
struct Header {
  SafetensorsFile file;
  std::vector<Placement> placements;
};

// strerror(errno) as a std::string.
std::string os_error() { return std::strerror(errno); }

// ----------------------------------------------------------------------------------- writing

// n · element_size for `shape`, or false when it overflows.
bool byte_count(const Shape& shape, DType dtype, std::uint64_t& bytes) {
  std::uint64_t n = dtype_size(dtype);
  for (auto d : shape)
    if (__builtin_mul_overflow(n, static_cast<std::uint64_t>(d), &n)) return false;
  bytes = n;
  return true;
}

// Element i of `bytes`, stored as S.
template <class S>
S element(const std::vector<std::uint8_t>& bytes, std::size_t i) {
  S value;
  std::memcpy(&value, bytes.data() + i * sizeof(S), sizeof(S));
  return value;
}

// The tensors in file order: descending element size (F64 first), then by name.
std::vector<std::pair<const std::string*, const StoredTensor*>> file_order(
    const SafetensorsFile& file) {
  std::vector<std::pair<const std::string*, const StoredTensor*>> order;
  for (const auto& [name, tensor] : file.tensors) order.emplace_back(&name, &tensor);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return dtype_size(a.second->dtype) > dtype_size(b.second->dtype);
  });
  return order;
}

// The 8-byte length and the space-padded JSON header, validating every tensor.
std::string header_bytes(const SafetensorsFile& file) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!file.metadata.empty()) {
    auto& metadata = header["__metadata__"] = nlohmann::ordered_json::object();
    for (const auto& [key, value] : file.metadata) metadata[key] = value;
  }
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : file_order(file)) {
    if (*name == "__metadata__")
      throw ValueError("safetensors: '__metadata__' is reserved and cannot name a tensor");
    std::uint64_t bytes = 0;
    if (!byte_count(tensor->shape, tensor->dtype, bytes) || bytes != tensor->bytes.size())
      throw ValueError(fmt::format(
          "safetensors: tensor '{}' holds {} bytes; shape {} of {} needs {}", *name,
          tensor->bytes.size(), shape_str(tensor->shape), dtype_name(tensor->dtype), bytes));
    auto shape = nlohmann::ordered_json::array();
    for (auto d : tensor->shape) shape.push_back(static_cast<std::uint64_t>(d));
    header[*name] = {{"dtype", dtype_name(tensor->dtype)},
                     {"shape", std::move(shape)},
                     {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::type_error&) {
    throw ValueError("safetensors: a tensor name or metadata string is not valid UTF-8");
  }
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  const std::uint64_t n = text.size();
  std::memcpy(out.data(), &n, 8);
  return out + text;
}

// ----------------------------------------------------------------------------------- reading

// The header length from the first 8 bytes, checked against the file size.
std::uint64_t header_length(const std::uint8_t* prefix, std::uint64_t file_size,
                            const std::string& what) {
  if (file_size < 8)
    throw FormatError(fmt::format(
        "{}: {} bytes is too short for a safetensors file (it starts with an 8-byte length)", what,
        file_size));
  std::uint64_t n;
  std::memcpy(&n, prefix, 8);
  if (n > kMaxHeaderBytes)
    throw FormatError(fmt::format("{}: header length {} exceeds the limit of {} bytes", what, n,
                                  kMaxHeaderBytes));
  if (n > file_size - 8)
    throw FormatError(fmt::format(
        "{}: header length {} runs past the end of the file ({} bytes follow the length)", what, n,
        file_size - 8));
  return n;
}

// The header JSON; rejects syntax errors, invalid UTF-8, duplicate keys and absurd nesting.
json parse_json(const std::uint8_t* text, std::size_t size, const std::string& what) {
  std::vector<std::set<std::string>> keys;  // the keys seen in each open object
  auto check = [&](int depth, json::parse_event_t event, json& parsed) {
    using E = json::parse_event_t;
    if ((event == E::object_start || event == E::array_start) && depth >= kMaxJsonDepth)
      throw FormatError(fmt::format("{}: header nests deeper than {} levels", what, kMaxJsonDepth));
    if (event == E::object_start) keys.emplace_back();
    if (event == E::object_end) keys.pop_back();
    if (event == E::key && !keys.back().insert(parsed.get<std::string>()).second)
      throw FormatError(
          fmt::format("{}: header repeats the key '{}'", what, parsed.get<std::string>()));
    return true;
  };
  try {
    return json::parse(text, text + size, check);
  } catch (const json::exception& e) {  // a syntax error, or a number out of double's range
    throw FormatError(fmt::format("{}: header is not valid JSON: {}", what, e.what()));
  }
}

// The dtype named by a header entry.
DType parse_dtype(const json& entry, const std::string& where) {
  if (!entry.is_string()) throw FormatError(fmt::format("{}: dtype is not a string", where));
  const auto& name = entry.get_ref<const std::string&>();
  if (name == "F32") return DType::F32;
  if (name == "F64") return DType::F64;
  throw FormatError(
      fmt::format("{}: unsupported dtype '{}' (unroll reads F32 and F64)", where, name));
}

// The member `key` of a tensor entry, which must be present.
const json& member(const json& entry, const char* key, const std::string& where) {
  const auto it = entry.find(key);
  if (it == entry.end()) throw FormatError(fmt::format("{}: no '{}'", where, key));
  return *it;
}

// A non-negative integer of the header (shape extent or offset).
std::uint64_t parse_count(const json& value, const char* field, const std::string& where) {
  if (!value.is_number_unsigned())
    throw FormatError(
        fmt::format("{}: {} entry {} is not a non-negative integer", where, field, value.dump()));
  return value.get<std::uint64_t>();
}

// One tensor entry: its dtype and shape, and where its bytes lie in a buffer of `buffer_size`.
Placement parse_tensor(const std::string& name, const json& entry, std::uint64_t buffer_size,
                       StoredTensor& tensor, const std::string& what) {
  const std::string where = fmt::format("{}: tensor '{}'", what, name);
  if (!entry.is_object()) throw FormatError(fmt::format("{} is not a JSON object", where));
  tensor.dtype = parse_dtype(member(entry, "dtype", where), where);
  const json& shape = member(entry, "shape", where);
  if (!shape.is_array()) throw FormatError(fmt::format("{}: shape is not an array", where));
  for (const auto& d : shape) tensor.shape.push_back(parse_count(d, "shape", where));
  const json& offsets = member(entry, "data_offsets", where);
  if (!offsets.is_array() || offsets.size() != 2)
    throw FormatError(fmt::format("{}: data_offsets is not a pair [begin, end]", where));
  const std::uint64_t begin = parse_count(offsets[0], "data_offsets", where);
  const std::uint64_t end = parse_count(offsets[1], "data_offsets", where);
  if (begin > end)
    throw FormatError(
        fmt::format("{}: data_offsets [{},{}] begin after they end", where, begin, end));
  if (end > buffer_size)
    throw FormatError(
        fmt::format("{}: data_offsets [{},{}] are out of range: the data buffer holds {} bytes",
                    where, begin, end, buffer_size));
  std::uint64_t bytes = 0;
  if (!byte_count(tensor.shape, tensor.dtype, bytes))
    throw FormatError(fmt::format("{}: the byte size of shape {} of {} overflows", where,
                                  shape_str(tensor.shape), dtype_name(tensor.dtype)));
  if (end - begin != bytes)
    throw FormatError(fmt::format("{}: data_offsets [{},{}] hold {} bytes; shape {} of {} needs {}",
                                  where, begin, end, end - begin, shape_str(tensor.shape),
                                  dtype_name(tensor.dtype), bytes));
  return {&name, &tensor, begin, end};
}

// The "__metadata__" entry: an object of strings.
std::map<std::string, std::string> parse_metadata(const json& entry, const std::string& what) {
  if (!entry.is_object())
    throw FormatError(fmt::format("{}: __metadata__ is not a JSON object", what));
  std::map<std::string, std::string> metadata;
  for (const auto& [key, value] : entry.items()) {
    if (!value.is_string())
      throw FormatError(fmt::format("{}: __metadata__ value of '{}' is {}, not a string", what, key,
                                    value.dump()));
    metadata[key] = value.get<std::string>();
  }
  return metadata;
}

// Requires the tensors to tile [0, buffer_size) exactly: no overlap, no gap, no trailing byte.
void check_tiling(std::vector<Placement>& placements, std::uint64_t buffer_size,
                  const std::string& what) {
  std::sort(placements.begin(), placements.end(), [](const Placement& a, const Placement& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  std::uint64_t covered = 0;
  const Placement* last = nullptr;
  for (const auto& p : placements) {
    if (p.begin < covered)
      throw FormatError(fmt::format("{}: tensors '{}' [{},{}] and '{}' [{},{}] overlap", what,
                                    *last->name, last->begin, last->end, *p.name, p.begin, p.end));
    if (p.begin > covered)
      throw FormatError(fmt::format("{}: bytes [{},{}) of the data buffer belong to no tensor",
                                    what, covered, p.begin));
    covered = p.end;
    last = &p;
  }
  if (covered != buffer_size)
    throw FormatError(fmt::format("{}: bytes [{},{}) of the data buffer belong to no tensor", what,
                                  covered, buffer_size));
}

// The validated header of a file of `file_size` bytes whose JSON is `text` (n bytes).
Header parse_header(const std::uint8_t* text, std::uint64_t n, std::uint64_t file_size,
                    const std::string& what) {
  const json header = parse_json(text, n, what);
  if (!header.is_object()) throw FormatError(fmt::format("{}: header is not a JSON object", what));
  const std::uint64_t buffer_size = file_size - 8 - n;
  Header out;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") {
      out.file.metadata = parse_metadata(entry, what);
      continue;
    }
    auto [it, inserted] = out.file.tensors.try_emplace(name);
    out.placements.push_back(parse_tensor(it->first, entry, buffer_size, it->second, what));
  }
  check_tiling(out.placements, buffer_size, what);
  return out;
}

// Reads exactly `size` bytes at `offset` of `fd`.
void read_exactly(int fd, std::uint8_t* out, std::uint64_t size, std::uint64_t offset,
                  const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileError(fmt::format("read_safetensors: reading '{}': {}", path, os_error()));
    if (n == 0) throw FileError(fmt::format("read_safetensors: '{}' shrank while read", path));
    out += n;
    offset += static_cast<std::uint64_t>(n);
    size -= static_cast<std::uint64_t>(n);
  }
}

// Reads the file behind `fd` (of `file_size` bytes): header first, then each tensor's bytes.
SafetensorsFile read_open_file(int fd, std::uint64_t file_size, const std::string& path) {
  std::uint8_t prefix[8] = {};
  if (file_size >= 8) read_exactly(fd, prefix, 8, 0, path);
  const std::uint64_t n = header_length(prefix, file_size, path);
  std::vector<std::uint8_t> text(n);
  read_exactly(fd, text.data(), n, 8, path);
  Header header = parse_header(text.data(), n, file_size, path);
  for (const auto& p : header.placements) {
    p.tensor->bytes.resize(p.end - p.begin);
    read_exactly(fd, p.tensor->bytes.data(), p.end - p.begin, 8 + n + p.begin, path);
  }
  return std::move(header.file);
}

}  // namespace

std::string_view dtype_name(DType dtype) { return dtype == DType::F32 ? "F32" : "F64"; }

std::size_t dtype_size(DType dtype) { return dtype == DType::F32 ? 4 : 8; }

template <class T>
StoredTensor StoredTensor::from(const Array<T>& array) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
  StoredTensor tensor;
  tensor.dtype = std::is_same_v<T, float> ? DType::F32 : DType::F64;
  tensor.shape = Shape(array.shape().begin(), array.shape().end());
  tensor.bytes.resize(array.size() * sizeof(T));
  if (array.size() > 0) std::memcpy(tensor.bytes.data(), array.data(), tensor.bytes.size());
  return tensor;
}

template <class T>
Array<T> StoredTensor::as() const {
  std::uint64_t needed = 0;
  if (!byte_count(shape, dtype, needed) || needed != bytes.size())
    throw ValueError(fmt::format("StoredTensor::as: {} bytes do not hold shape {} of {}",
                                 bytes.size(), shape_str(shape), dtype_name(dtype)));
  Array<T> out = Array<T>::from_shape(shape);
  T* data = out.data();
  if (dtype_size(dtype) == sizeof(T)) {
    if (!bytes.empty()) std::memcpy(data, bytes.data(), bytes.size());
  } else if (dtype == DType::F32) {
    for (std::size_t i = 0; i < out.size(); ++i) data[i] = static_cast<T>(element<float>(bytes, i));
  } else {
    for (std::size_t i = 0; i < out.size(); ++i)
      data[i] = static_cast<T>(element<double>(bytes, i));
  }
  return out;
}

template <class T>
void SafetensorsFile::add(const std::string& name, const Array<T>& array) {
  if (name == "__metadata__")
    throw ValueError("SafetensorsFile::add: '__metadata__' is reserved and cannot name a tensor");
  if (!tensors.try_emplace(name, StoredTensor::from(array)).second)
    throw ValueError(
        fmt::format("SafetensorsFile::add: a tensor named '{}' is already there", name));
}

const StoredTensor& SafetensorsFile::at(const std::string& name) const {
  const auto it = tensors.find(name);
  if (it != tensors.end()) return it->second;
  std::string known;
  for (const auto& [n, t] : tensors) known += (known.empty() ? "" : ", ") + n;
  throw ValueError(fmt::format("safetensors: no tensor named '{}' (known: {})", name, known));
}

std::vector<std::uint8_t> serialize_safetensors(const SafetensorsFile& file) {
  const std::string header = header_bytes(file);
  std::vector<std::uint8_t> out(header.begin(), header.end());
  for (const auto& [name, tensor] : file_order(file))
    out.insert(out.end(), tensor->bytes.begin(), tensor->bytes.end());
  return out;
}

void write_safetensors(const std::string& path, const SafetensorsFile& file) {
  const std::string header = header_bytes(file);
  std::vector<std::span<const std::uint8_t>> parts{
      {reinterpret_cast<const std::uint8_t*>(header.data()), header.size()}};
  for (const auto& [tensor_name, tensor] : file_order(file)) parts.emplace_back(tensor->bytes);
  write_file_atomically(path, parts, "write_safetensors");
}

SafetensorsFile parse_safetensors(const std::uint8_t* data, std::size_t size,
                                  const std::string& what) {
  const std::uint64_t n = header_length(data, size, what);
  Header header = parse_header(data + 8, n, size, what);
  const std::uint8_t* buffer = data + 8 + n;
  for (const auto& p : header.placements) p.tensor->bytes.assign(buffer + p.begin, buffer + p.end);
  return std::move(header.file);
}

SafetensorsFile read_safetensors(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw FileError(fmt::format("read_safetensors: cannot open '{}': {}", path, os_error()));
  try {
    struct stat info;
    if (::fstat(fd, &info) != 0)
      throw FileError(fmt::format("read_safetensors: cannot stat '{}': {}", path, os_error()));
    if (!S_ISREG(info.st_mode))
      throw FileError(fmt::format("read_safetensors: '{}' is not a regular file", path));
    SafetensorsFile file = read_open_file(fd, static_cast<std::uint64_t>(info.st_size), path);
    ::close(fd);
    return file;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

template StoredTensor StoredTensor::from(const Array<float>&);
template StoredTensor StoredTensor::from(const Array<double>&);
template Array<float> StoredTensor::as() const;
template Array<double> StoredTensor::as() const;
template void SafetensorsFile::add(const std::string&, const Array<float>&);
template void SafetensorsFile::add(const std::string&, const Array<double>&);

}  // namespace unroll::io
