#include "layers/checkpoint.hpp"

#include <fmt/format.h>

#include "framework/io/metadata.hpp"

namespace unroll {

std::uint64_t checkpoint_seed(const std::string& path) {
  return io::seed(io::read_safetensors(path).metadata, path);
}

template <class T>
void save_parameters(const Module<T>& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata,
                     const std::map<std::string, io::StoredTensor>& extra) {
  io::SafetensorsFile file;
  file.metadata = metadata;
  for (const auto& [name, parameter] : module.named_parameters()) file.add(name, parameter.value());
  for (const auto& [name, tensor] : extra)
    if (!file.tensors.emplace(name, tensor).second)
      throw ValueError(
          fmt::format("save_parameters: extra tensor '{}' clashes with a parameter", name));
  io::write_safetensors(path, file);
}

namespace {

// Checks every parameter has a tensor of its shape in `file`, then assigns them all.
// `context` ("load_parameters: model.safetensors") prefixes the messages.
template <class T>
void assign(Module<T>& module, const io::SafetensorsFile& file, const std::string& context) {
  auto parameters = module.named_parameters();
  std::string missing;
  for (const auto& [name, parameter] : parameters)
    if (!file.tensors.count(name)) missing += (missing.empty() ? "" : ", ") + name;
  if (!missing.empty())
    throw ValueError(fmt::format("{}: the file has no tensor for {}", context, missing));
  for (const auto& [name, parameter] : parameters) {
    const Shape& found = file.tensors.at(name).shape;
    if (!std::equal(found.begin(), found.end(), parameter.shape().begin(), parameter.shape().end()))
      throw ShapeError(fmt::format("{}: '{}' has shape {} in the file; the module expects {}",
                                   context, name, shape_str(found), shape_str(parameter.shape())));
  }
  for (auto& [name, parameter] : parameters)
    parameter.mutable_value() = file.tensors.at(name).template as<T>();
}

}  // namespace

template <class T>
void load_parameters(Module<T>& module, const io::SafetensorsFile& file) {
  assign(module, file, "load_parameters");
}

template <class T>
std::map<std::string, std::string> load_parameters(Module<T>& module, const std::string& path) {
  const io::SafetensorsFile file = io::read_safetensors(path);
  assign(module, file, "load_parameters: " + path);
  return file.metadata;
}

template void save_parameters(const Module<float>&, const std::string&,
                              const std::map<std::string, std::string>&,
                              const std::map<std::string, io::StoredTensor>&);
template void save_parameters(const Module<double>&, const std::string&,
                              const std::map<std::string, std::string>&,
                              const std::map<std::string, io::StoredTensor>&);
template void load_parameters(Module<float>&, const io::SafetensorsFile&);
template void load_parameters(Module<double>&, const io::SafetensorsFile&);
template std::map<std::string, std::string> load_parameters(Module<float>&, const std::string&);
template std::map<std::string, std::string> load_parameters(Module<double>&, const std::string&);

}  // namespace unroll
