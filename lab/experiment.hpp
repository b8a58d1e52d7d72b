// An experiment of the lab: a grid of settings, a function that trains or measures one setting
// and returns rows, and a report computed from the rows (lab/runner runs them; results.csv holds
// every row with every setting as a column, so a report can be made again without retraining).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "lab/report.hpp"
#include "lab/table.hpp"

namespace unroll::lab {

// --quick: seconds, for tests; the default: minutes; --full: where a larger scale tells more.
enum class Scale { Quick, Default, Full };
const char* scale_name(Scale scale);

// One point of the grid: a short label for progress lines and legends, and its settings as the
// columns every row of it carries.
struct Setting {
  std::string label;
  Row columns;
  // The value of one of its columns; ValueError naming the setting and the column when absent.
  const std::string& value(const std::string& column) const;
};

// What a run may use besides its setting.
struct RunContext {
  Scale scale = Scale::Default;
  std::uint64_t seed = 1;
  // Long runs report how far they are (0 to 1) and what they see ("loss 0.0123").
  std::function<void(double fraction, const std::string& status)> progress =
      [](double, const std::string&) {};
  // The character language model's text (the embedded default corpus unless --data is given).
  const std::u32string* text = nullptr;
  // True once Ctrl-C was pressed: a long run may return early; the runner discards its rows.
  std::function<bool()> stopped = [] { return false; };
};

class Experiment {
 public:
  virtual ~Experiment() = default;
  virtual std::string name() const = 0;      // "gradient-flow": the command and the folder
  virtual std::string question() const = 0;  // what it asks, one or two sentences
  virtual std::vector<Setting> grid(Scale scale) const = 0;
  // Seeds per setting when --seeds is not given: more where one run per setting decides nothing
  // (the fraction of runs that diverge).
  virtual std::size_t default_seeds(Scale) const { return 1; }
  // The rows of one setting and seed, without the setting's columns (the runner adds them, and
  // the seed): e.g. {{"distance", "3"}, {"grad_norm", "0.0123"}}.
  virtual std::vector<Row> run(const Setting& setting, const RunContext& context) const = 0;
  // Plots and findings from every finished row (results.csv read back), into `report`.
  virtual void report(const Table& results, Scale scale, Report& report) const = 0;
};

// Every experiment of the lab, in the order `lab list` shows them.
std::vector<std::unique_ptr<Experiment>> all_experiments();

}  // namespace unroll::lab
