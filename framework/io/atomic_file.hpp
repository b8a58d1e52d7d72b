/// @file
/// Writing a file so that readers see the old version or the whole new one, never a part.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/errors.hpp"

namespace unroll::io {

/// The operating system refused: a missing directory, an unreadable file, a full disk.
struct FileError : Error {
  using Error::Error;
};

/// Writes the concatenation of `parts` to `path`: into a fresh temporary ".<name>.tmp.<pid>.<hex>"
/// in the target's directory, fsync'ed, renamed over `path`, then the directory fsync'ed. On any
/// failure the temporary is removed and a FileError names `who` (the operation), the path and the
/// system's reason; the directory must exist. Temporaries left by processes that no longer run
/// are swept first.
void write_file_atomically(const std::string& path,
                           const std::vector<std::span<const std::uint8_t>>& parts,
                           const char* who);
/// The same for one text.
void write_file_atomically(const std::string& path, std::string_view text, const char* who);

}  // namespace unroll::io
