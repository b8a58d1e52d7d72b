// Running a built program from a test: its exit status, stdout and stderr, and the checks every
// command-line test makes of a refusal (one line on stderr, a non-zero exit, no crash).
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <map>
#include <string>

#include "framework/io/safetensors.hpp"
#include "tests/scratch_dir.hpp"

namespace unroll::testing {

struct Run {
  int status;  // the exit status; -1 when the program did not exit (a signal)
  std::string out, err;
};

// `program ARGS` with `input` on stdin, its output kept in files of `box`.
inline Run run_program(const std::string& program, const ScratchDir& box, const std::string& args,
                       const std::string& input = "") {
  const std::string in = box.write("stdin.txt", input);
  const std::string out = box.path("stdout.txt"), err = box.path("stderr.txt");
  const std::string command = program + " " + args + " <" + in + " >" + out + " 2>" + err;
  const int status = std::system(command.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

// A refusal: a non-zero exit, exactly one line on stderr containing `fragment`, no terminate().
inline void require_one_line_error(const Run& r, const std::string& fragment) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.status != 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, Catch::Contains(fragment));
  CHECK(r.err.find("terminate") == std::string::npos);
}

// The tensors of a checkpoint, name → raw bytes (for bit-exact comparisons).
inline std::map<std::string, std::string> checkpoint_bytes(const std::string& path) {
  std::map<std::string, std::string> out;
  for (const auto& [name, tensor] : io::read_safetensors(path).tensors)
    out[name] = std::string(tensor.bytes.begin(), tensor.bytes.end());
  return out;
}

// max |a − b| ≤ relative · max |a| for every float tensor of two safetensors files.
inline void require_close(const std::string& a_path, const std::string& b_path,
                          double relative = 1e-5) {
  const io::SafetensorsFile a = io::read_safetensors(a_path), b = io::read_safetensors(b_path);
  REQUIRE(a.tensors.size() == b.tensors.size());
  for (const auto& [name, tensor] : a.tensors) {
    INFO(name);
    const Array<float> x = tensor.as<float>(), y = b.at(name).as<float>();
    REQUIRE(x.shape() == y.shape());
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      diff = std::max(diff, std::abs(static_cast<double>(x.data()[i]) - y.data()[i]));
      scale = std::max(scale, std::abs(static_cast<double>(x.data()[i])));
    }
    CHECK(diff <= relative * scale);
  }
}

// Some English-like text of about n characters (a few words in a fixed, irregular order).
inline std::string english_like(std::size_t n) {
  const std::string words[] = {"the ",  "cat ", "sat ", "on ",  "a ",
                               "mat. ", "and ", "dog ", "ran\n"};
  std::string s;
  for (std::size_t i = 0; s.size() < n; ++i) s += words[(i * 7 + i / 3) % 9];
  return s;
}

}  // namespace unroll::testing
