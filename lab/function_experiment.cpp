#include "lab/function_experiment.hpp"

#include "framework/errors.hpp"

namespace unroll::lab {
namespace {

class FunctionExperiment : public Experiment {
 public:
  explicit FunctionExperiment(ExperimentFunctions f) : f_(std::move(f)) {}
  std::string name() const override { return f_.name; }
  std::string question() const override { return f_.question; }
  std::vector<Setting> grid(Scale scale) const override { return f_.grid(scale); }
  std::vector<Row> run(const Setting& setting, const RunContext& context) const override {
    return f_.run(setting, context);
  }
  void report(const Table& results, Scale scale, Report& report) const override {
    f_.report(results, scale, report);
  }

 private:
  ExperimentFunctions f_;
};

}  // namespace

std::unique_ptr<Experiment> make_experiment(ExperimentFunctions functions) {
  if (functions.name.empty()) throw ValueError("make_experiment: the experiment has no name");
  for (const auto& [what, given] :
       {std::pair{"grid", bool(functions.grid)}, std::pair{"run", bool(functions.run)},
        std::pair{"report", bool(functions.report)}})
    if (!given)
      throw ValueError(std::string("make_experiment: '") + functions.name + "' has no " + what +
                       " function");
  return std::make_unique<FunctionExperiment>(std::move(functions));
}

std::vector<Setting> settings_over(const std::string& column,
                                   const std::vector<std::string>& values, const Row& common) {
  std::vector<Setting> grid;
  for (const auto& value : values) {
    Setting s{value, {{column, value}}};
    s.columns.insert(s.columns.end(), common.begin(), common.end());
    grid.push_back(std::move(s));
  }
  return grid;
}

}  // namespace unroll::lab
