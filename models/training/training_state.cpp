#include "models/training/training_state.hpp"

#include <fmt/format.h>

namespace unroll::training {
namespace {

std::string replace_extension(const std::string& checkpoint, const std::string& extension) {
  const std::string ext = ".safetensors";
  const bool has_ext = checkpoint.size() > ext.size() &&
                       checkpoint.compare(checkpoint.size() - ext.size(), ext.size(), ext) == 0;
  return (has_ext ? checkpoint.substr(0, checkpoint.size() - ext.size()) : checkpoint) + extension;
}

const std::string& value_of(const io::SafetensorsFile& state, const std::string& key,
                            const std::string& path) {
  auto it = state.metadata.find(key);
  if (it == state.metadata.end())
    throw ValueError(fmt::format("training state '{}': key '{}' is missing", path, key));
  return it->second;
}

}  // namespace

std::string training_state_path(const std::string& checkpoint) {
  return replace_extension(checkpoint, ".train.safetensors");
}

std::string best_checkpoint_path(const std::string& checkpoint) {
  return replace_extension(checkpoint, ".best.safetensors");
}

std::uint64_t read_count(const io::SafetensorsFile& state, const std::string& key,
                         const std::string& path) {
  const std::string& value = value_of(state, key, path);
  try {
    return std::stoull(value);
  } catch (const std::exception&) {
    throw ValueError(
        fmt::format("training state '{}': '{}' = '{}' is not a number", path, key, value));
  }
}

double read_number(const io::SafetensorsFile& state, const std::string& key,
                   const std::string& path) {
  const std::string& value = value_of(state, key, path);
  try {
    return std::stod(value);
  } catch (const std::exception&) {
    throw ValueError(
        fmt::format("training state '{}': '{}' = '{}' is not a number", path, key, value));
  }
}

void require_setting(const io::SafetensorsFile& state, const std::string& path,
                     const std::string& key, const std::string& expected,
                     const std::string& if_absent) {
  auto it = state.metadata.find(key);
  const std::string made_with =
      it != state.metadata.end() ? it->second : (if_absent.empty() ? "?" : if_absent);
  if (made_with != expected)
    throw ValueError(
        fmt::format("training state '{}' was made with {} {}; this run uses {} — "
                    "resume with the same settings",
                    path, key, made_with, expected));
}

}  // namespace unroll::training
