// A program's output paths, checked before a long run rather than at its end.
#pragma once

#include <string>

namespace unroll::cli {

// ValueError unless the folder of `path` exists and is writable, so a run cannot end unable to
// save.
void check_output_folder(const std::string& path);

}  // namespace unroll::cli
