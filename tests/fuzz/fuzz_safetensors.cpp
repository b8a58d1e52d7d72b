// libFuzzer target for the safetensors parser (`make fuzz`, with AddressSanitizer and UBSan).
// Every input must either be rejected with an unroll::Error or load; a file that loads must
// survive a write/read round trip unchanged. Any other exception, a crash or a sanitizer report
// is a finding.
#include <cstdint>
#include <cstdlib>

#include "framework/io/safetensors.hpp"

using namespace unroll::io;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SafetensorsFile file;
  try {
    file = parse_safetensors(data, size, "fuzz input");
  } catch (const unroll::Error&) {
    return 0;
  }
  for (const auto& [name, tensor] : file.tensors)
    if (tensor.as<double>().size() != tensor.size()) std::abort();
  const auto bytes = serialize_safetensors(file);
  const auto again = parse_safetensors(bytes.data(), bytes.size(), "round trip");
  if (again.metadata != file.metadata || again.tensors.size() != file.tensors.size()) std::abort();
  for (const auto& [name, tensor] : file.tensors) {
    const auto& other = again.at(name);
    if (other.dtype != tensor.dtype || other.shape != tensor.shape || other.bytes != tensor.bytes)
      std::abort();
  }
  return 0;
}
