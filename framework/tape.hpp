/// @file
/// The reverse-mode tape: Var handles, nodes, backward(), NoGrad, detach.
///
/// A Var is a counted handle to a Node (its value, its gradient and, for an op's result, the
/// inputs and the backward function that propagates into them). Every op whose inputs require a
/// gradient appends its node to the thread's Tape in creation order; backward() walks the tape in
/// reverse — a plain loop, no recursion, no topological sort. Nodes are released through a work
/// list (never recursively) into a per-thread pool that keeps their buffers, so a training step
/// that repeats the same ops reuses the same memory.
///
/// Threads. What is per thread (thread_local): the tape of each dtype (tape<T>()), the recording
/// mode (NoGrad, EnableGrad), the pool of free nodes, the caching allocator's free lists with
/// their limit and statistics (framework/memory.hpp), and the OpenMP thread count that
/// set_compute_threads sets (a new std::thread starts from OpenMP's default). Nothing of a model is
/// synchronized: a node's reference counts are plain integers, so a Var and every copy of it —
/// and whatever holds Vars: a module's parameters, a layer, an optimizer — belong to one thread
/// at a time, even for reading (copying a Var writes its counts). Threads that each build their
/// own model, tape and optimizer train side by side exactly as one at a time
/// (tests/layers/test_threads.cpp). A model may move to another thread once its thread has reset
/// its tape and stopped using it; what it frees there goes to that thread's pool and cache. A
/// thread's pool and cache are given back when it ends. Shared by the whole process: the table of
/// interned op names (behind a mutex), oneDNN (whose sgemm the GEMM already calls from several
/// OpenMP threads at once), the OpenMP runtime, and the SIGINT flag of training::InterruptFlag.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <vector>

#include "framework/errors.hpp"
#include "framework/memory.hpp"
#include "framework/tensor.hpp"

namespace unroll {

/// A value on the tape (defined below).
template <class T>
struct Node;

/// Propagates node.grad into the gradients of node's inputs (always accumulating).
template <class T>
using BackwardFn = void (*)(Node<T>&);

/// Which values an op's backward reads: bit k for input k (bit 30 for every input from the 31st
/// on), kOutputValue for its own result. Ops that declare less let the tape free dead
/// intermediates during the forward pass; a build with UNROLL_CHECK_BACKWARD_READS makes the
/// values a backward does not declare unreadable while it runs (framework/check_reads.hpp).
using ValueNeeds = std::uint32_t;
inline constexpr ValueNeeds kOutputValue = 1u << 31;  ///< the op's own result
inline constexpr ValueNeeds kAllValues = ~0u;         ///< every input and the result (the default)
inline constexpr ValueNeeds kNoValues = 0;            ///< none: backward reads only gradients
/// The bit of input k.
constexpr ValueNeeds value_of_input(std::size_t k) { return 1u << (k < 30 ? k : 30); }
/// The first `count` inputs (all but the result).
constexpr ValueNeeds input_values(std::size_t count) {
  return count > 30 ? ~kOutputValue : (1u << count) - 1;
}
/// Whether `needs` declares input k.
constexpr bool reads_input(ValueNeeds needs, std::size_t k) {
  return (needs & value_of_input(k)) != 0;
}

/// An input of a recorded op, with the input's version when it was recorded: backward refuses to
/// run if the value was changed since (see Var::mutable_value).
template <class T>
struct Edge {
  Node<T>* node;          ///< the input
  std::uint32_t version;  ///< its version when the op was recorded
};

/// What a Var refers to: a value, its gradient and, for an op's result, what its backward needs.
/// For op implementations (framework/ops/op_support.hpp); users hold Vars.
template <class T>
struct Node {
  Array<T> value;  ///< the value (freed early when dead: see value_freed)
  Array<T> grad;   ///< valid when has_grad
  Array<T> saved;  ///< op-specific tensor kept for backward (a mask, probabilities, ...)
  /// Both lists take their memory from the caching allocator, so a recycled node that needs more
  /// room than it has (stack's T inputs, cross_entropy's targets) finds it cached.
  std::vector<Edge<T>, CachingAllocator<Edge<T>>> inputs;
  std::vector<std::int64_t, CachingAllocator<std::int64_t>> ints;  ///< axes, bounds, targets, ...
  double scalars[2] = {0, 0};        ///< op-specific numbers (exponent, bounds, ...)
  BackwardFn<T> backward = nullptr;  ///< the op's backward; nullptr for a leaf
  /// State an op's backward cannot keep in the fields above: a function it must run again
  /// (recompute). Released with the node.
  std::function<void(Node<T>&)> closure;
  const char* op = "leaf";     ///< the op's name (a literal or interned), for error messages
  std::uint64_t epoch = 0;     ///< the tape epoch it was recorded in; 0 when never recorded
  std::size_t tape_index = 0;  ///< its position on the tape
  std::uint32_t refs = 0;      ///< references: Vars, ops taking it as input, the tape
  std::uint32_t version = 0;   ///< bumped by every Var::mutable_value
  bool requires_grad = false;  ///< a gradient flows into it
  bool has_grad = false;       ///< grad holds an accumulated gradient
  bool retain_grad = false;    ///< keep this intermediate's gradient after backward (retain_grad)
  bool grad_freed = false;     ///< backward released this intermediate's gradient
  /// Value liveness: a recorded intermediate that no Var refers to any more and whose value no
  /// backward will read (its own, or a consumer's: add, select, stack… read none) gives its value
  /// buffer back right away. Only its shape is kept, for sizing its gradient.
  std::uint32_t handles = 0;      ///< Vars referring to this node
  std::uint32_t value_uses = 0;   ///< recorded backwards that will read this node's value
  ValueNeeds needs = kAllValues;  ///< the values its own backward reads (make_result's `needs`)
  bool value_freed = false;       ///< value was given back; freed_shape holds its shape
  Shape freed_shape;              ///< the shape of a freed value

  /// The value's shape, freed or not.
  const Shape& value_shape() const { return value_freed ? freed_shape : value.shape(); }

  ///@{
  /// Input k's node, and its value.
  Node<T>& input(std::size_t k) const { return *inputs[k].node; }
  const Array<T>& input_value(std::size_t k) const { return inputs[k].node->value; }
  ///@}
};

/// Is recording on for this thread? (off inside a NoGrad scope)
bool grad_enabled();

/// Inside its scope no op is recorded and no result requires a gradient.
class NoGrad {
 public:
  NoGrad();
  ~NoGrad();
  NoGrad(const NoGrad&) = delete;
  NoGrad& operator=(const NoGrad&) = delete;

 private:
  bool previous_;
};

/// The opposite: recording on inside its scope, even within a NoGrad (a recompute node's
/// backward records its function again this way).
class EnableGrad {
 public:
  EnableGrad();
  ~EnableGrad();
  EnableGrad(const EnableGrad&) = delete;
  EnableGrad& operator=(const EnableGrad&) = delete;

 private:
  bool previous_;
};

/// A differentiable value: a counted handle to a Node. Ops on Vars record on the thread's Tape
/// when a gradient is wanted; backward() fills the gradients of the leaves.
template <class T = float>
class Var {
 public:
  Var() = default;
  /// A leaf holding `value`; with requires_grad, backward() accumulates into its grad().
  explicit Var(Array<T> value, bool requires_grad = false);
  /// A persistent trainable leaf (a parameter): requires a gradient, lives across tape resets.
  static Var parameter(Array<T> value);

  ///@{
  /// Handles: a copy refers to the same node, a move hands the reference over.
  Var(const Var& other);
  Var(Var&& other) noexcept;
  Var& operator=(const Var& other);
  Var& operator=(Var&& other) noexcept;
  ///@}
  ~Var();

  /// Refers to a node (false for a default-constructed Var).
  bool defined() const { return node_ != nullptr; }
  /// The value.
  const Array<T>& value() const&;
  /// On a temporary (`f(x).value()`) a copy, so the result cannot dangle once the Var is gone.
  Array<T> value() const&& { return value(); }
  /// The value's shape.
  const Shape& shape() const& { return value().shape(); }
  Shape shape() const&& { return value().shape(); }         ///< a copy, on a temporary
  std::size_t rank() const { return value().dimension(); }  ///< number of axes
  std::size_t dim(std::size_t axis) const;                  ///< extent of `axis`
  std::size_t size() const { return value().size(); }       ///< number of elements
  T item() const;                                           ///< the value of a one-element Var
  const char* op() const;      ///< the name of the op that made it ("leaf" for a leaf)
  bool requires_grad() const;  ///< a gradient flows into it
  bool is_leaf() const;        ///< not the result of a recorded op

  /// The accumulated gradient (zeros if nothing flowed into it yet). Backward frees the gradients
  /// of recorded intermediates once it has propagated them (as PyTorch does: this is what keeps a
  /// long unrolled sequence's gradients from all being alive at once); reading one afterwards is a
  /// TapeError unless retain_grad() was called before backward. Leaves keep theirs.
  const Array<T>& grad() const&;
  Array<T> grad() const&& { return grad(); }  ///< on a temporary, a copy
  bool has_grad() const;                      ///< a gradient has been accumulated
  void zero_grad();                           ///< forget the accumulated gradient
  /// Keep this intermediate's gradient after backward, for inspection (e.g. ∂L/∂h_t over time).
  void retain_grad();
  /// Writable value of a leaf, for initializers and optimizers. Bumps the version, so a recorded
  /// op that saved the old value refuses to backpropagate with the new one.
  Array<T>& mutable_value();

  /// Backpropagate from this one-element value (seed 1), or from any shape with an explicit seed.
  void backward() const;
  void backward(const Array<T>& seed) const;  ///< @copydoc backward() const

  /// For op implementations.
  Node<T>* node() const { return node_; }
  explicit Var(Node<T>* adopted);  ///< takes ownership of one reference

 private:
  /// Drops this handle's reference (freeing a dead intermediate's value, then the node).
  void drop();

  Node<T>* node_ = nullptr;
};

/// The thread's tape of recorded nodes for dtype T.
template <class T>
class Tape {
 public:
  /// Release every recorded node: ends a training step. Values still held by a Var survive as
  /// constants (their history is cut), so a carried state needs no further care.
  void reset();
  std::size_t size() const { return nodes_.size(); }  ///< nodes recorded
  std::uint64_t epoch() const { return epoch_; }      ///< a new one after reset() and inside Nested

  /// For op implementations and backward().
  void record(Node<T>* node);
  const std::vector<Node<T>*>& nodes() const { return nodes_; }  ///< in recording order

  ~Tape();

  /// For its lifetime ops record on an empty tape of their own, the recorded nodes set aside;
  /// at its end what it recorded is released and the outer nodes come back. A recompute
  /// node's backward re-runs its function and backpropagates through it this way, in the middle of
  /// the outer backward, without touching the outer nodes.
  class Nested {
   public:
    explicit Nested(Tape& tape);  ///< sets `tape`'s nodes aside until the destructor
    ~Nested();
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;

   private:
    Tape& tape_;
    std::vector<Node<T>*> outer_nodes_;
    std::uint64_t outer_epoch_;
  };

 private:
  std::vector<Node<T>*> nodes_;
  std::vector<std::vector<Node<T>*>> spare_lists_;  ///< emptied nested lists, reused by the next
  std::uint64_t epoch_ = 1;
  std::uint64_t last_epoch_ = 1;  ///< epochs are never reused, nested or not
};

/// This thread's tape for dtype T.
template <class T = float>
Tape<T>& tape();

/// The same value without history: gradients stop here (truncated BPTT carries states this way).
template <class T>
Var<T> detach(const Var<T>& x);

namespace detail {

/// `name` kept for the life of the program: the pointer a node stores as its op, so that an error
/// message can read it after a name built at run time is gone — in any thread, after the thread
/// that named it has ended. One copy per distinct name for the process (a table behind a mutex),
/// made when it is first seen; later calls find it without allocating.
const char* intern_op_name(const char* name);

/// A fresh node from the thread's pool, owned by the returned pointer's single reference.
template <class T>
Node<T>* acquire_node();
/// Drop one reference; frees (into the pool) every node that becomes unreferenced, iteratively.
template <class T>
void release(Node<T>* node);

/// The result node of op `name` (a string literal or an interned name) over `inputs`. If recording
/// is on and any input requires a gradient, the node is put on the tape with `backward`; otherwise
/// it is a plain constant. The caller writes the node's value. `needs` says which values `backward`
/// reads (default: all of them).
template <class T>
Var<T> make_result(const char* name, std::initializer_list<const Var<T>*> inputs,
                   BackwardFn<T> backward, ValueNeeds needs = kAllValues);
template <class T>
Var<T> make_result(const char* name, const std::vector<Var<T>>& inputs, BackwardFn<T> backward,
                   ValueNeeds needs = kAllValues);
template <class T>
Var<T> make_result(const char* name, const Var<T>* const* inputs, std::size_t count,
                   BackwardFn<T> backward, ValueNeeds needs = kAllValues);

}  // namespace detail
}  // namespace unroll
