// The error the plotting module throws when gnuplot cannot render a plot or a file cannot be
// written. Arguments that make no plot (series of unequal lengths, ragged heatmap rows) are
// unroll::ValueError, as everywhere in unroll.
#pragma once

#include "framework/errors.hpp"

namespace unroll::plot {

// gnuplot is missing, failed or warned; an output folder is missing; a file could not be written.
struct PlotError : Error {
  using Error::Error;
};

}  // namespace unroll::plot
