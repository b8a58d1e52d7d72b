#include "models/captioner/config.hpp"

#include "framework/errors.hpp"
#include "framework/io/metadata.hpp"

namespace unroll::captioner {

std::map<std::string, std::string> CaptionerConfig::to_metadata() const {
  return {{"program", "caption"},
          {"encoder", std::to_string(encoder)},
          {"embed", std::to_string(embed)},
          {"hidden", std::to_string(hidden)}};
}

CaptionerConfig CaptionerConfig::from_metadata(const std::map<std::string, std::string>& m) {
  using namespace io;
  require_program(m, "caption");
  CaptionerConfig c;
  c.encoder = whole_number("encoder", required(m, "encoder"));
  c.embed = whole_number("embed", required(m, "embed"));
  c.hidden = whole_number("hidden", required(m, "hidden"));
  c.validate();
  return c;
}

void CaptionerConfig::validate() const {
  if (embed == 0) throw ValueError("embedding size must be at least 1");
  if (hidden == 0) throw ValueError("hidden size must be at least 1");
}

}  // namespace unroll::captioner
