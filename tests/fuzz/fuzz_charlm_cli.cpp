// libFuzzer target for charlm's command line (examples/charlm/cli.hpp), parsed as the program
// parses it but without running anything. The input is argv after the program's name, one
// argument per line. Parsing either fills the arguments — every floating-point setting then a
// finite number (no NaN past a range check) — or throws a CLI::ParseError, which charlm reports
// as help, its version, or one line on stderr with a non-zero exit code. Anything else — another
// exception, a crash, a sanitizer report — is a finding.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "examples/charlm/cli.hpp"

using namespace unroll::charlm;

namespace {

std::vector<std::string> arguments_from(std::string_view input) {
  std::vector<std::string> args{"charlm"};
  while (!input.empty()) {
    const auto end = input.find('\n');
    args.emplace_back(input.substr(0, end));
    input.remove_prefix(end == input.npos ? input.size() : end + 1);
  }
  return args;
}

bool all_finite(std::initializer_list<double> values) {
  for (double v : values)
    if (!std::isfinite(v)) return false;
  return true;
}

void check_accepted(const Arguments& a) {
  const TrainArgs& t = a.train;
  const auto& trainer = t.train.trainer;
  if (!all_finite({t.model.dropout, t.val_fraction, trainer.lr, trainer.clip_norm,
                   trainer.clip_value, trainer.schedule.gamma, trainer.schedule.min_lr,
                   t.minutes.value_or(1.0), a.sample.temperature}))
    std::abort();
  if (a.command == Command::train) t.model.validate();
}

// Help and version on `out` with exit code 0; anything else one line on `err`, non-zero.
void check_refusal(const CommandLine& cli, const CLI::ParseError& e) {
  std::ostringstream out, err;
  const int code = cli.exit(e, out, err);
  const std::string message = err.str();
  const bool help_or_version = e.get_name() == "CallForHelp" || e.get_name() == "CallForAllHelp" ||
                               e.get_name() == "CallForVersion";
  if (help_or_version != (code == 0)) std::abort();
  if (help_or_version && (out.str().empty() || !message.empty())) std::abort();
  if (!help_or_version && (message.empty() || message.find('\n') != message.size() - 1))
    std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto args = arguments_from({reinterpret_cast<const char*>(data), size});
  std::vector<const char*> argv;
  for (const auto& arg : args) argv.push_back(arg.c_str());
  CommandLine cli;
  try {
    check_accepted(cli.parse(static_cast<int>(argv.size()), argv.data()));
  } catch (const CLI::ParseError& e) {
    check_refusal(cli, e);
  }
  return 0;
}
