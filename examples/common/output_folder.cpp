#include "examples/common/output_folder.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "framework/errors.hpp"

namespace unroll::cli {

void check_output_folder(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::absolute(path).parent_path();
  if (!std::filesystem::is_directory(parent))
    throw ValueError(fmt::format("output folder '{}' does not exist", parent.string()));
  if (access(parent.c_str(), W_OK) != 0)
    throw ValueError(fmt::format("output folder '{}' is not writable", parent.string()));
}

}  // namespace unroll::cli
