// The communicator and the gradient averager, on whatever world this runs in: one process under
// plain ctest, two ranks under `mpirun -np 2` (the "2 ranks" ctest entry). Every expectation is
// written for any number of ranks N.
#include <catch2/catch.hpp>
#include <vector>

#include "framework/distributed/communicator.hpp"
#include "framework/distributed/fingerprint.hpp"
#include "framework/distributed/gradient_averager.hpp"
#include "framework/ops/elementwise.hpp"
#include "framework/ops/reduce.hpp"

using namespace unroll;
using distributed::Communicator;

TEST_CASE("allreduce sums over the ranks, in place, on every rank", "[distributed]") {
  Communicator& world = Communicator::world();
  const double n = world.size(), r = world.rank();
  std::vector<float> f{1.0f, static_cast<float>(r)};
  world.allreduce_sum(f);
  CHECK(f == std::vector<float>{static_cast<float>(n), static_cast<float>(n * (n - 1) / 2)});
  std::vector<double> d{r + 0.5};
  world.allreduce_sum(d);
  CHECK(d[0] == n * (n - 1) / 2 + 0.5 * n);
  // Started reductions complete at wait_all, each on its own buffer.
  std::vector<float> a(3, 1.0f), b(5, 2.0f);
  world.start_allreduce_sum(a);
  world.start_allreduce_sum(b);
  world.wait_all();
  CHECK(a == std::vector<float>(3, static_cast<float>(n)));
  CHECK(b == std::vector<float>(5, static_cast<float>(2 * n)));
}

TEST_CASE("broadcast and any", "[distributed]") {
  Communicator& world = Communicator::world();
  std::vector<std::byte> bytes(4, static_cast<std::byte>(world.rank() + 7));
  world.broadcast(bytes, 0);
  CHECK(bytes == std::vector<std::byte>(4, std::byte{7}));
  CHECK(world.any(world.rank() == world.size() - 1));
  CHECK_FALSE(world.any(false));
}

TEST_CASE("require_agreement names the first item the ranks disagree on", "[distributed]") {
  Communicator& world = Communicator::world();
  const std::uint64_t same = distributed::fingerprint("the same everywhere");
  world.require_agreement({{"model configuration", same}, {"training data", same}});
  if (world.size() == 1) return;  // one rank always agrees with itself
  const std::uint64_t mine = distributed::fingerprint(std::string(1, 'a' + world.rank()));
  REQUIRE_THROWS_AS(
      world.require_agreement({{"model configuration", same}, {"training data", mine}}),
      distributed::CollectiveError);
  REQUIRE_THROWS_WITH(
      world.require_agreement({{"model configuration", same}, {"training data", mine}}),
      Catch::Contains("ranks disagree on the training data: rank 0 has"));
}

TEST_CASE("fingerprints differ for different bytes and chain", "[distributed]") {
  using distributed::fingerprint;
  CHECK(fingerprint("abc") != fingerprint("abd"));
  CHECK(fingerprint("c", fingerprint("ab")) == fingerprint("abc"));
  CHECK(fingerprint("") == 14695981039346656037ull);  // FNV-1a's offset basis
}

TEST_CASE("GradientAverager leaves every rank the mean gradient and the mean loss",
          "[distributed]") {
  Communicator& world = Communicator::world();
  const float n = static_cast<float>(world.size()), r = static_cast<float>(world.rank());
  // Two parameters in buckets of 3 floats (so one bucket each), one with a gradient on rank 0
  // alone, and one without a gradient on any rank.
  Var<float> a = Var<float>::parameter(Array<float>::from_shape({3}));
  Var<float> b = Var<float>::parameter(Array<float>::from_shape({2}));
  Var<float> on_root = Var<float>::parameter(Array<float>::from_shape({2}));
  Var<float> unused = Var<float>::parameter(Array<float>::from_shape({2}));
  a.zero_grad(), b.zero_grad(), on_root.zero_grad(), unused.zero_grad();
  sum(a * (r + 1)).backward();  // ∂/∂a = r + 1 on rank r
  sum(b * (2 * r)).backward();
  if (world.is_root()) sum(on_root * 6.0f).backward();
  distributed::GradientAverager averager(world, {a, b, on_root, unused, a}, 3);
  const float loss = averager.average(10 * r);
  CHECK(loss == 10 * (n - 1) / 2);
  CHECK(a.grad() == Array<float>(xt::ones<float>({3}) * ((n + 1) / 2)));
  CHECK(b.grad() == Array<float>(xt::ones<float>({2}) * (n - 1)));
  REQUIRE(on_root.has_grad());  // the others count zeros
  CHECK(on_root.grad() == Array<float>(xt::ones<float>({2}) * (6 / n)));
  // No rank has a gradient for it: it keeps none, so an optimizer skips it as on one process.
  CHECK_FALSE(unused.has_grad());
  CHECK(averager.buckets() == (world.size() > 1 ? 4u : 0u));  // a listed twice is averaged once
}
