// What each op's backward declares it reads (ValueNeeds): exactly that is kept for backward, and a
// build with UNROLL_CHECK_BACKWARD_READS stops a backward that reads anything else.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <random>
#include <string>

#include "framework/memory.hpp"
#include "framework/ops/linalg.hpp"
#include "framework/ops/nn.hpp"
#include "framework/ops/op_support.hpp"
#include "framework/ops/reduce.hpp"
#include "framework/ops/shape.hpp"
#include "tests/support.hpp"

using namespace unroll;
using unroll::testing::frees_its_input;
using unroll::testing::random_array;

namespace {

// Does `op` let its own result's value go once no Var holds it? z = y + y reads no value, so only
// y's own backward could keep it.
template <class Op>
bool frees_its_result(Op op, const Shape& shape) {
  Var<double> x(random_array(shape, 98), true);
  Node<double>* y_node = nullptr;
  Var<double> z;
  {
    const Var<double> y = op(x);
    y_node = y.node();
    z = y + y;
  }
  const bool freed = y_node->value_freed;
  tape<double>().reset();
  return freed;
}

// Bytes of the values and saved tensors the recorded nodes keep for backward (the leaves' values
// are the caller's). A node that saves nothing holds a default 0-D array there: not counted.
template <class T>
std::size_t kept_bytes() {
  std::size_t elements = 0;
  for (const Node<T>* n : tape<T>().nodes())
    elements +=
        (n->value_freed ? 0 : n->value.size()) + (n->saved.dimension() == 0 ? 0 : n->saved.size());
  return elements * sizeof(T);
}

// Bytes of the caching allocator's blocks in use on this thread (taken and not on a free list).
std::size_t bytes_in_use() {
  const MemoryStats s = memory_stats();
  return s.system_bytes - s.cached_bytes;
}

}  // namespace

TEST_CASE("ops that read no value keep none: their inputs and results are freed", "[tape]") {
  const Shape s{3, 4};
  const auto neg_op = [](const Var<double>& h) { return neg(h); };
  const auto add_scalar = [](const Var<double>& h) { return h + 2.0; };
  const auto mul_scalar = [](const Var<double>& h) { return h * 3.0; };
  const auto sum_all = [](const Var<double>& h) { return sum(h); };
  const auto mean_rows = [](const Var<double>& h) { return mean(h, 1); };
  const auto max_rows = [](const Var<double>& h) { return max(h, 1); };
  const auto transposed = [](const Var<double>& h) { return transpose(h); };
  const auto gathered = [](const Var<double>& h) { return gather_rows(h, IndexArray{2, 0, 2}); };
  const auto losses = [](const Var<double>& h) { return cross_entropy(h, IndexArray{1, 0, 3}); };
  std::mt19937_64 rng(5);
  const auto dropped = [&rng](const Var<double>& h) { return dropout(h, 0.5, true, rng); };
  for (const auto& op : std::vector<std::function<Var<double>(const Var<double>&)>>{
           neg_op, add_scalar, mul_scalar, sum_all, mean_rows, max_rows, transposed, gathered,
           losses, dropped}) {
    CHECK(frees_its_input(op, s));
    CHECK(frees_its_result(op, s));
  }
}

TEST_CASE("ops that read only their result free their input", "[tape]") {
  const Shape s{3, 4};
  CHECK(frees_its_input([](const Var<double>& h) { return softmax(h); }, s));
  CHECK(frees_its_input([](const Var<double>& h) { return log_softmax(h); }, s));
  CHECK(frees_its_input([](const Var<double>& h) { return relu(h); }, s));
  CHECK(frees_its_input([](const Var<double>& h) { return sqrt(h); }, s));
}

TEST_CASE("ops that read only their inputs free their result", "[tape]") {
  const Shape s{3, 4};
  const Var<double> w(random_array({4, 5}, 7), true);
  CHECK(frees_its_result([&](const Var<double>& x) { return matmul(x, w); }, s));
  CHECK(frees_its_result([](const Var<double>& x) { return log(x * x); }, s));
  CHECK(frees_its_result([](const Var<double>& x) { return pow(x, 3.0); }, s));
  CHECK(frees_its_result([](const Var<double>& x) { return clamp(x, -0.5, 0.5); }, s));
  CHECK(frees_its_result([](const Var<double>& x) { return abs(x); }, s));
}

TEST_CASE("an op over more than 31 inputs that reads none keeps none of them", "[tape]") {
  Var<double> x(random_array({2, 3}, 3), true);
  std::vector<Node<double>*> nodes;
  Var<double> y;
  {
    std::vector<Var<double>> hs;
    for (int k = 0; k < 40; ++k) hs.push_back(x + x);
    for (const auto& h : hs) nodes.push_back(h.node());
    y = sum(stack(hs, 0));
  }
  for (std::size_t k = 0; k < nodes.size(); ++k) {
    INFO("input " << k);
    CHECK(nodes[k]->value_freed);
  }
  y.backward();
  CHECK(x.grad()(0, 0) == 80.0);
  tape<double>().reset();
}

TEST_CASE("a char-LM step keeps only what its backward reads", "[tape][memory]") {
  // ids → embedding [N, E] → tanh(linear) [N, H] → head logits [N, V] → cross-entropy.
  constexpr std::size_t N = 64, E = 16, H = 32, V = 128;
  tape<float>().reset();
  auto table = Var<float>::parameter(xt::ones<float>({V, E}) * 0.01f);
  auto w1 = Var<float>::parameter(xt::ones<float>({H, E}) * 0.02f);
  auto w2 = Var<float>::parameter(xt::ones<float>({V, H}) * 0.03f);
  auto b2 = Var<float>::parameter(xt::zeros<float>({V}));
  IndexArray ids = IndexArray::from_shape({N}), targets = IndexArray::from_shape({N});
  for (std::size_t i = 0; i < N; ++i) ids(i) = (3 * i) % V, targets(i) = (5 * i + 1) % V;

  const std::size_t before = bytes_in_use();
  Var<float> loss =
      cross_entropy(linear(tanh(linear(gather_rows(table, ids), w1)), w2, b2), targets);
  // Kept: the embedding (linear reads its input), tanh's result (tanh and the head read it),
  // cross_entropy's probabilities [N, V] and the loss. Released: the first linear's result (tanh
  // reads its own) and the logits [N, V] (neither the head nor cross_entropy reads them).
  const std::size_t kept = (N * E + N * H + N * V + 1) * sizeof(float);
  CHECK(kept_bytes<float>() == kept);
  // The allocator agrees: what stays in use is that, the targets and the nodes' small lists —
  // less than one more [N, V] value (32 KiB), which the logits would take.
  const std::size_t in_use = bytes_in_use() - before;
  CHECK(in_use >= kept);
  CHECK(in_use < kept + 4096);
  loss.backward();
  CHECK(w2.grad().shape() == Shape{V, H});
  tape<float>().reset();
}

TEST_CASE("softmax, log_softmax and dropout keep one array each", "[tape][memory]") {
  constexpr std::size_t N = 32, C = 64;
  const std::size_t array = N * C * sizeof(float);
  auto w = Var<float>::parameter(xt::ones<float>({C, C}) * 0.1f);
  Var<float> x(xt::ones<float>({N, C}));
  std::mt19937_64 rng(1);
  // Each op reads a matmul result that nothing else keeps. softmax and log_softmax keep their
  // result (the input was kept before as well, and log_softmax kept its probabilities too);
  // dropout keeps its mask (it kept its input and result before).
  for (const auto& op : std::vector<std::function<Var<float>(const Var<float>&)>>{
           [](const Var<float>& h) { return softmax(h); },
           [](const Var<float>& h) { return log_softmax(h); },
           [&rng](const Var<float>& h) { return dropout(h, 0.5, true, rng); }}) {
    Var<float> z;
    {
      const Var<float> y = op(matmul(x, w));
      z = sum(y);
    }
    CHECK(kept_bytes<float>() == array + sizeof(float));  // and the sum
    z.backward();
    tape<float>().reset();
  }
}

// The check itself lives in the library, so these run in a build with it (make sanitize).
#ifdef UNROLL_CHECK_BACKWARD_READS
namespace {

// y = x²/2 recorded with a backward dx += dy·x that reads x, input 0, without declaring it.
Var<double> reads_its_input(const Var<double>& x) {
  Var<double> y = detail::make_result<double>(
      "reads_its_input", {&x},
      [](Node<double>& n) { detail::accumulate(n.input(0), n.grad * n.input_value(0)); },
      kNoValues);
  y.node()->value = x.value() * x.value() / 2.0;
  return y;
}

// The same with dx += dy·2y/x, reading its own value y in a raw loop without declaring it.
Var<double> reads_its_own_value(const Var<double>& x) {
  Var<double> y = detail::make_result<double>(
      "reads_its_own_value", {&x},
      [](Node<double>& n) {
        Array<double> dx = n.grad;
        for (std::size_t i = 0; i < dx.size(); ++i) dx.data()[i] *= 2 * n.value.data()[i];
        detail::accumulate(n.input(0), dx / n.input_value(0));
      },
      value_of_input(0));
  y.node()->value = x.value() * x.value() / 2.0;
  return y;
}

// Runs f in a child process and returns what it wrote to stderr; `signal` is the signal that
// ended it (0 when it exited).
template <class F>
std::string stderr_of_child(F f, int& signal) {
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(pipe_fds[0]);
    dup2(pipe_fds[1], STDERR_FILENO);
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    ::signal(SIGSEGV, SIG_DFL);  // not the test runner's handler: the child just dies
    f();
    _exit(0);
  }
  close(pipe_fds[1]);
  std::string text;
  char buffer[256];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  close(pipe_fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  return text;
}

}  // namespace

TEST_CASE("checking mode: a backward that reads an undeclared value stops, naming it", "[tape]") {
  int signal = 0;
  const std::string input_message = stderr_of_child(
      [] {
        Var<double> x(random_array({2, 3}, 1), true);
        sum(reads_its_input(x)).backward();
      },
      signal);
  CHECK(signal == SIGSEGV);
  CHECK_THAT(input_message, Catch::Contains("backward of 'reads_its_input' read input 0's value "
                                            "[2,3], which it does not declare"));
  const std::string own_message = stderr_of_child(
      [] {
        Var<double> x(random_array({4}, 2), true);
        sum(reads_its_own_value(x)).backward();
      },
      signal);
  CHECK(signal == SIGSEGV);
  CHECK_THAT(own_message,
             Catch::Contains("backward of 'reads_its_own_value' read its own value [4], "
                             "which it does not declare"));
}

TEST_CASE("checking mode: the values come back after each backward, also after a throw", "[tape]") {
  const Array<double> values = random_array({2, 3}, 4);
  Var<double> x(values, true);
  Var<double> y = x * 3.0;  // reads no value: x's and y's are unreadable during its backward
  y.backward(xt::ones<double>({2, 3}));
  CHECK(x.value() == values);
  CHECK(y.value() == values * 3.0);
  Var<double> z = detail::make_result<double>(
      "throws", {&x}, [](Node<double>&) { throw ValueError("from backward"); }, kNoValues);
  z.node()->value = values;
  CHECK_THROWS_AS(z.backward(xt::ones<double>({2, 3})), ValueError);
  CHECK(x.value() == values);
  CHECK(z.value() == values);
  tape<double>().reset();
}
#endif
