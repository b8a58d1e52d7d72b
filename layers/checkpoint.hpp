/// @file
/// Checkpoints: a module's parameters in a safetensors file, under their exact (PyTorch-style)
/// names — "rnn.weight_ih_l0" — so weights move between unroll and PyTorch.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "framework/errors.hpp"
#include "framework/io/safetensors.hpp"
#include "layers/module.hpp"

namespace unroll {

/// Saves every named parameter of `module` (as F32 for float, F64 for double), the string
/// `metadata`, and `extra` tensors (optimizer state, say) under names that must not clash with a
/// parameter's. Atomic: see io::write_safetensors.
template <class T>
void save_parameters(const Module<T>& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata = {},
                     const std::map<std::string, io::StoredTensor>& extra = {});

/// Assigns every parameter of `module` from the tensor of the same name (F32 or F64, converted
/// to T) and returns the file's metadata. All or nothing: ValueError naming every missing tensor,
/// or ShapeError naming the tensor and both shapes, before any parameter changes. Tensors the
/// module does not have are ignored (read them with io::read_safetensors).
template <class T>
std::map<std::string, std::string> load_parameters(Module<T>& module, const std::string& path);
/// The same from a file already read.
template <class T>
void load_parameters(Module<T>& module, const io::SafetensorsFile& file);

/// The seed a checkpoint's task split its data with (io::seed of its metadata).
std::uint64_t checkpoint_seed(const std::string& path);

/// A model rebuilt from a checkpoint: its config from the file's metadata
/// (`Config::from_metadata`, where Config is what `Model::config()` returns), then its parameters.
/// ValueError "'PATH' is not a PROGRAM checkpoint: …" when the metadata does not describe such a
/// model (another program's file); load_parameters' errors when the tensors do not fit it.
template <class Model>
std::unique_ptr<Model> load_checkpoint(const std::string& path, const std::string& program) {
  using Config = std::remove_cvref_t<decltype(std::declval<const Model&>().config())>;
  const io::SafetensorsFile file = io::read_safetensors(path);
  Config config;
  try {
    config = Config::from_metadata(file.metadata);
  } catch (const ValueError& e) {
    throw ValueError(fmt::format("'{}' is not a {} checkpoint: {}", path, program, e.what()));
  }
  auto model = std::make_unique<Model>(config);
  load_parameters(*model, file);
  return model;
}

}  // namespace unroll
