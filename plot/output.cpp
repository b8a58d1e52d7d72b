#include "plot/output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <string>

#include "framework/errors.hpp"
#include "plot/error.hpp"
#include "plot/gnuplot.hpp"

namespace unroll::plot {

namespace fs = std::filesystem;

namespace {

// A file being written next to its target; removed unless renamed over the target.
class Temporary {
 public:
  Temporary(const fs::path& dir, const std::string& name, const fs::path& target)
      : target_(target) {
    std::random_device entropy;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = dir / fmt::format(".{}.tmp.{}.{:08x}", name, ::getpid(), entropy());
      fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0) return;
      if (errno != EEXIST) break;
    }
    throw PlotError(fmt::format("plot: cannot write '{}': {}", target_.string(),
                                errno == ENOENT ? "no such folder" : std::strerror(errno)));
  }
  Temporary(const Temporary&) = delete;
  Temporary& operator=(const Temporary&) = delete;
  ~Temporary() {
    if (fd_ >= 0) ::close(fd_);
    if (!renamed_) ::unlink(path_.c_str());
  }

  int fd() const { return fd_; }

  // Checks that something was written, syncs and closes the file.
  void finish() {
    struct stat info {};
    if (::fstat(fd_, &info) != 0 || info.st_size == 0)
      throw PlotError(fmt::format("plot: gnuplot wrote nothing for '{}'", target_.string()));
    const bool ok = ::fsync(fd_) == 0;
    const int closed = ::close(fd_);
    fd_ = -1;
    if (!ok || closed != 0)
      throw PlotError(fmt::format("plot: writing '{}': {}", path_.string(), std::strerror(errno)));
  }

  // Moves the finished file over its target.
  void rename() {
    if (::rename(path_.c_str(), target_.c_str()) != 0)
      throw PlotError(fmt::format("plot: renaming '{}' to '{}': {}", path_.string(),
                                  target_.string(), std::strerror(errno)));
    renamed_ = true;
  }

 private:
  fs::path target_;
  fs::path path_;
  int fd_ = -1;
  bool renamed_ = false;
};

// The terminal commands: SVG for documents and browsers, PNG (cairo) for viewers. Text the user
// gave is marked noenhanced where it is set; enhanced mode stays on for tick labels (10^{-3}).
std::string svg_terminal(Size size) {
  return fmt::format(
      "set terminal svg size {},{} font 'sans-serif,11' enhanced background '#ffffff'\n",
      size.width, size.height);
}
std::string png_terminal(Size size) {
  return fmt::format(
      "set terminal pngcairo size {},{} font 'sans-serif,11' enhanced background '#ffffff'\n",
      size.width, size.height);
}

}  // namespace

void write_svg_and_png(const fs::path& base, Size size, std::string_view body) {
  const std::string name = base.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw ValueError(fmt::format("plot: '{}' does not name a file", base.string()));
  if (size.width < 16 || size.height < 16)
    throw ValueError(fmt::format("plot: size {}x{} is too small", size.width, size.height));
  const fs::path dir = base.has_parent_path() ? base.parent_path() : fs::path(".");
  Temporary svg(dir, name + ".svg", base.string() + ".svg");
  Temporary png(dir, name + ".png", base.string() + ".png");
  run_gnuplot(svg_terminal(size) + std::string(body), svg.fd());
  svg.finish();
  run_gnuplot(png_terminal(size) + std::string(body), png.fd());
  png.finish();
  svg.rename();
  png.rename();
}

}  // namespace unroll::plot
