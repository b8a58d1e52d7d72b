#include "models/char_lm/clamp.hpp"

namespace unroll {

GenerationHook<float> clamping_hook(std::vector<CellClamp> clamps, GenerationHook<float> then) {
  return [clamps = std::move(clamps), then = std::move(then)](GenerationStep<float>& step) {
    for (const auto& c : clamps) {
      Var<float>& part = step.state.layer(c.layer)[c.part];
      Array<float> value = part.value();  // [1, H]; a copy: the old Var may be shared
      for (std::size_t row = 0; row < value.shape()[0]; ++row)
        value(row, c.cell) = static_cast<float>(c.value);
      part = Var<float>(std::move(value));
    }
    if (then) then(step);
  };
}

}  // namespace unroll
