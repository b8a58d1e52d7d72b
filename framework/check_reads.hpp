// Checking mode (built with -DUNROLL_CHECK_BACKWARD_READS=ON): a backward that reads a value its
// op did not declare (ValueNeeds in tape.hpp) stops the program, naming the op and the value.
// Used by the tape and the caching allocator only; compiled in that mode only.
#pragma once

#include "framework/tape.hpp"

namespace unroll::detail {

// For its lifetime (one node's backward), every value the node's backward did not declare — an
// input's, or the node's own — is swapped for an array of the same shape in memory that faults when
// touched, whichever code reads it (xtensor, a raw loop, the GEMM); the values come back at its
// end, also on a throw. Shapes are not checked: the unreadable array has the value's shape, so a
// backward must take an undeclared value's shape from Node::value_shape() (kept when a value is
// released), never from value.shape(), which reads [0] once it is. A read stops the program: the
// fault handler writes "backward of 'softmax' read input 0's value [4,7], which it does not
// declare" to stderr, then passes the fault on to the handler installed before it (a test runner's,
// a sanitizer's, or the default one, which ends the process).
template <class T>
class UnreadableValues {
 public:
  explicit UnreadableValues(Node<T>& node);
  ~UnreadableValues();
  UnreadableValues(const UnreadableValues&) = delete;
  UnreadableValues& operator=(const UnreadableValues&) = delete;

 private:
  void restore();

  std::size_t first_;  // where this scope's values start in the thread's list of swapped ones
  std::size_t mark_;   // this thread's unreadable memory in use before the scope
};

// Installs the fault handler unless it is the current one (a test runner may have put its own in
// place since): backward() calls it before running the nodes' backwards.
void install_read_fault_handler();

// For the caching allocator: the block this thread's next allocation must return (nullptr when
// none is pending), and whether a block is unreadable memory, which is never cached or freed.
void* take_unreadable_block() noexcept;
bool is_unreadable(const void* block) noexcept;

}  // namespace unroll::detail
