#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#include <random>

#include "tests/support.hpp"

namespace unroll::testing {

Array<double> array_of(const Shape& shape, std::initializer_list<double> values) {
  REQUIRE(shape_size(shape) == values.size());
  Array<double> a(shape);
  std::copy(values.begin(), values.end(), a.begin());
  return a;
}

Array<double> random_array(const Shape& shape, unsigned seed, double lo, double hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  Array<double> a(shape);
  for (auto& v : a) v = dist(rng);
  return a;
}

}  // namespace unroll::testing
