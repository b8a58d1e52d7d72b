#include "plot/gnuplot.hpp"

#include <fmt/format.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "plot/error.hpp"

extern char** environ;

namespace unroll::plot {

namespace {

// An anonymous in-memory file, closed on destruction.
class MemoryFile {
 public:
  explicit MemoryFile(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {
    if (fd_ < 0) throw PlotError(fmt::format("plot: memfd_create: {}", std::strerror(errno)));
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  ~MemoryFile() { ::close(fd_); }

  int fd() const { return fd_; }

  // Writes all of `text`, then rewinds so that a reader starts at the beginning.
  void write_and_rewind(std::string_view text) {
    for (std::size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw PlotError(fmt::format("plot: writing the script: {}", std::strerror(errno)));
      done += static_cast<std::size_t>(n);
    }
    ::lseek(fd_, 0, SEEK_SET);
  }

  // Everything written to the file (by anyone), from the beginning.
  std::string read_all() const {
    std::string text;
    char buffer[4096];
    for (off_t offset = 0;;) {
      const ssize_t n = ::pread(fd_, buffer, sizeof buffer, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return text;
      text.append(buffer, static_cast<std::size_t>(n));
      offset += n;
    }
  }

 private:
  int fd_;
};

// The file actions of the child: stdin the script, stdout the output, stderr captured.
class FileActions {
 public:
  FileActions(int in, int out, int err) {
    posix_spawn_file_actions_init(&actions_);
    posix_spawn_file_actions_adddup2(&actions_, in, STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions_, out, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions_, err, STDERR_FILENO);
  }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  ~FileActions() { posix_spawn_file_actions_destroy(&actions_); }

  const posix_spawn_file_actions_t* get() const { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_;
};

// gnuplot's stderr without trailing whitespace, or a placeholder when it said nothing.
std::string message_of(std::string err) {
  while (!err.empty() && std::isspace(static_cast<unsigned char>(err.back()))) err.pop_back();
  return err.empty() ? "(no message)" : err;
}

}  // namespace

std::string quote(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'')
      quoted += "''";
    else if (c == '\n')
      quoted += "'.\"\\n\".'";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      quoted += ' ';
    else
      quoted += c;
  }
  return quoted + "'";
}

void run_gnuplot(std::string_view script, int output_fd) {
  MemoryFile in("gnuplot-script");
  MemoryFile err("gnuplot-stderr");
  in.write_and_rewind(script);
  const FileActions actions(in.fd(), output_fd, err.fd());
  char program[] = "gnuplot";
  char defaults[] = "--default-settings";
  char* argv[] = {program, defaults, nullptr};
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, program, actions.get(), nullptr, argv, environ);
  if (spawned == ENOENT)
    throw PlotError("gnuplot not found: install gnuplot-nox (scripts/install-deps)");
  if (spawned != 0)
    throw PlotError(fmt::format("plot: cannot start gnuplot: {}", std::strerror(spawned)));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw PlotError(fmt::format("plot: waiting for gnuplot: {}", std::strerror(errno)));
  }
  const std::string said = err.read_all();
  if (WIFSIGNALED(status))
    throw PlotError(
        fmt::format("gnuplot killed by signal {}: {}", WTERMSIG(status), message_of(said)));
  if (WEXITSTATUS(status) != 0)
    throw PlotError(
        fmt::format("gnuplot failed (exit {}): {}", WEXITSTATUS(status), message_of(said)));
  if (!said.empty()) throw PlotError(fmt::format("gnuplot warned: {}", message_of(said)));
}

}  // namespace unroll::plot
