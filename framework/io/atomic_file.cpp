#include "framework/io/atomic_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace unroll::io {
namespace {

namespace fs = std::filesystem;

std::string os_error() { return std::strerror(errno); }

// Writes all of `data` to `fd`, retrying partial writes and interrupts.
void write_all(int fd, std::span<const std::uint8_t> data, const std::string& temp,
               const char* who) {
  const std::uint8_t* p = data.data();
  std::size_t size = data.size();
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw FileError(fmt::format("{}: writing '{}': {}", who, temp, os_error()));
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

// Removes temporaries ".<name>.tmp.<pid>.*" left by saves whose process no longer runs.
void remove_stale_temporaries(const fs::path& dir, const std::string& name) {
  const std::string prefix = "." + name + ".tmp.";
  std::error_code ec;  // best effort: a directory that cannot be listed ends the sweep quietly
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (file.rfind(prefix, 0) != 0) continue;
    const std::string rest = file.substr(prefix.size());
    const std::string pid_text = rest.substr(0, rest.find('.'));
    const bool is_pid =
        !pid_text.empty() && pid_text.size() < rest.size() && pid_text.size() <= 9 &&
        std::all_of(pid_text.begin(), pid_text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!is_pid) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(pid_text));
    std::error_code ignored;
    if (::kill(pid, 0) != 0 && errno == ESRCH) fs::remove(it->path(), ignored);
  }
}

// Creates a fresh temporary next to the target: ".<name>.tmp.<pid>.<random hex>".
int create_temporary(const fs::path& dir, const std::string& name, std::string& temp,
                     const char* who) {
  std::random_device entropy;
  for (int attempt = 0; attempt < 100; ++attempt) {
    temp = (dir / fmt::format(".{}.tmp.{}.{:08x}", name, ::getpid(), entropy())).string();
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST)
      throw FileError(fmt::format("{}: cannot create '{}': {}", who, temp, os_error()));
  }
  throw FileError(fmt::format("{}: no free temporary name in '{}'", who, dir.string()));
}

// Flushes the directory entry (the rename) to disk.
void sync_directory(const fs::path& dir, const char* who) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const bool ok = fd >= 0 && ::fsync(fd) == 0;
  const std::string error = ok ? "" : os_error();
  if (fd >= 0) ::close(fd);
  if (!ok) throw FileError(fmt::format("{}: syncing directory '{}': {}", who, dir.string(), error));
}

}  // namespace

void write_file_atomically(const std::string& path,
                           const std::vector<std::span<const std::uint8_t>>& parts,
                           const char* who) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string name = target.filename().string();
  std::error_code ec;
  if (name.empty() || name == "." || name == "..")
    throw FileError(fmt::format("{}: '{}' does not name a file", who, path));
  if (!fs::exists(dir, ec))
    throw FileError(fmt::format("{}: cannot write '{}': directory '{}' does not exist", who, path,
                                dir.string()));
  if (!fs::is_directory(dir, ec))
    throw FileError(
        fmt::format("{}: cannot write '{}': '{}' is not a directory", who, path, dir.string()));
  remove_stale_temporaries(dir, name);
  std::string temp;
  int fd = create_temporary(dir, name, temp, who);
  try {
    for (const auto& part : parts) write_all(fd, part, temp, who);
    if (::fsync(fd) != 0)
      throw FileError(fmt::format("{}: syncing '{}': {}", who, temp, os_error()));
    const int closed = ::close(fd);
    fd = -1;
    if (closed != 0) throw FileError(fmt::format("{}: closing '{}': {}", who, temp, os_error()));
    if (::rename(temp.c_str(), path.c_str()) != 0)
      throw FileError(fmt::format("{}: renaming '{}' to '{}': {}", who, temp, path, os_error()));
  } catch (...) {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  sync_directory(dir, who);
}

void write_file_atomically(const std::string& path, std::string_view text, const char* who) {
  write_file_atomically(path, {{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}},
                        who);
}

}  // namespace unroll::io
