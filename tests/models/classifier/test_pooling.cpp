// Pooling over time: last, mean and max read each row's valid steps only — on a hand-made batch
// whose padding holds values that would win (or shift the mean) if it were read.
#include <catch2/catch.hpp>

#include "models/classifier/pooling.hpp"
#include "tests/support.hpp"

using namespace unroll;
using namespace unroll::classifier;
using unroll::testing::all_close;

namespace {

// h [2, 4, 2]: row 0 valid for 2 steps, then padding of 100; row 1 valid for all 4.
Array<double> padded_batch() {
  Array<double> h = Array<double>::from_shape({2, 4, 2});
  const double values[2][4][2] = {{{1, -2}, {3, -4}, {100, 100}, {100, 100}},
                                  {{-1, 5}, {2, 0}, {0.5, 7}, {-3, 1}}};
  for (std::size_t b = 0; b < 2; ++b)
    for (std::size_t t = 0; t < 4; ++t)
      for (std::size_t k = 0; k < 2; ++k) h(b, t, k) = values[b][t][k];
  return h;
}

Array<double> row(std::initializer_list<double> values) {
  Array<double> a = Array<double>::from_shape({values.size()});
  std::copy(values.begin(), values.end(), a.begin());
  return a;
}

Array<double> pooled_row(const Array<double>& y, std::size_t b) {
  Array<double> out = Array<double>::from_shape({y.shape()[1]});
  for (std::size_t k = 0; k < y.shape()[1]; ++k) out(k) = y(b, k);
  return out;
}

}  // namespace

TEST_CASE("pooling reads only the valid steps of each row", "[classifier][pooling]") {
  NoGrad no_grad;
  const Var<double> h(padded_batch());
  const std::vector<std::size_t> lengths = {2, 4};
  const Array<double> last = pool(h, lengths, Pooling::Last, 1).value();
  const Array<double> mean = pool(h, lengths, Pooling::Mean, 1).value();
  const Array<double> max = pool(h, lengths, Pooling::Max, 1).value();
  CHECK(all_close(pooled_row(last, 0), row({3, -4})));
  CHECK(all_close(pooled_row(last, 1), row({-3, 1})));
  CHECK(all_close(pooled_row(mean, 0), row({2, -3})));
  CHECK(all_close(pooled_row(mean, 1), row({-0.375, 3.25})));
  CHECK(all_close(pooled_row(max, 0), row({3, -2})));
  CHECK(all_close(pooled_row(max, 1), row({2, 7})));
}

TEST_CASE("a padded row pools as the same row without padding", "[classifier][pooling]") {
  NoGrad no_grad;
  const Var<double> h(padded_batch());
  Array<double> alone = Array<double>::from_shape({1, 2, 2});
  for (std::size_t t = 0; t < 2; ++t)
    for (std::size_t k = 0; k < 2; ++k) alone(0, t, k) = padded_batch()(0, t, k);
  for (const Pooling p : {Pooling::Last, Pooling::Mean, Pooling::Max})
    for (const std::size_t directions : {1, 2}) {
      INFO(pooling_name(p) << ", directions " << directions);
      const Array<double> batch = pool(h, {2, 4}, p, directions).value();
      const Array<double> single = pool(Var<double>(alone), {}, p, directions).value();
      CHECK(all_close(pooled_row(batch, 0), pooled_row(single, 0)));
    }
}

TEST_CASE("bidirectional last pooling takes the forward's last step and the backward's first",
          "[classifier][pooling]") {
  NoGrad no_grad;
  // D = 2, H = 1: channel 0 forward, channel 1 backward.
  const Array<double> y = pool(Var<double>(padded_batch()), {2, 4}, Pooling::Last, 2).value();
  CHECK(all_close(pooled_row(y, 0), row({3, -2})));
  CHECK(all_close(pooled_row(y, 1), row({-3, 5})));
}

TEST_CASE("pooling refuses a shape or a pooling it does not know", "[classifier][pooling]") {
  NoGrad no_grad;
  CHECK_THROWS_AS(pool(Var<double>(Array<double>::from_shape({2, 3})), {}, Pooling::Max, 1),
                  ShapeError);
  CHECK_THROWS_WITH(pool(Var<double>(Array<double>::from_shape({2, 3, 3})), {}, Pooling::Last, 2),
                    Catch::Contains("pool: h [2,3,3] is not [B, T, D·H] for D = 2"));
  CHECK_THROWS_WITH(parse_pooling("sum"), Catch::Contains("pooling 'sum' is not one of"));
  CHECK_THROWS_AS(pool(Var<double>(padded_batch()), {0, 4}, Pooling::Mean, 1), ValueError);
}
