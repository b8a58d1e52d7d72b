#include "framework/tape.hpp"

#include <fmt/format.h>

#ifdef UNROLL_CHECK_BACKWARD_READS
#include "framework/check_reads.hpp"
#endif

#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <xtensor/xbuilder.hpp>

namespace unroll {
namespace {

thread_local bool grad_mode = true;

// Whether the calling thread's storage of this kind is gone (the thread is ending): trivially
// destructible, so it can be read until the thread's very end.
template <class Storage>
bool& thread_storage_gone() {
  thread_local bool gone = false;
  return gone;
}

// Free nodes of one dtype (their buffers already returned to the allocator), deleted when the
// thread ends. From then on — the thread's tape releasing its nodes, a Var in a static outliving
// main — the pool is null: a freed node is deleted, a new one made.
template <class T>
struct NodePool {
  std::vector<Node<T>*> nodes;
  ~NodePool() {
    thread_storage_gone<NodePool>() = true;
    for (Node<T>* n : nodes) delete n;
  }
};
template <class T>
std::vector<Node<T>*>* free_nodes() {
  if (thread_storage_gone<NodePool<T>>()) return nullptr;
  thread_local NodePool<T> pool;
  return &pool.nodes;
}

// The nodes release() is freeing; null once the thread's list is gone (see free_nodes).
template <class T>
struct WorkList {
  std::vector<Node<T>*> nodes;
  bool draining = false;
  ~WorkList() { thread_storage_gone<WorkList>() = true; }
};
template <class T>
WorkList<T>* work_list() {
  if (thread_storage_gone<WorkList<T>>()) return nullptr;
  thread_local WorkList<T> list;
  return &list;
}

// What a fresh node reserves: room for most ops, so a recycled node rarely grows.
constexpr std::size_t kReservedInputs = 4, kReservedInts = 8;

// Empties a list; a list grown past the reserve gives its block back to the cache (where the
// next op of that size finds it) and takes a reserve-sized one.
template <class List>
void clear_to_reserve(List& list, std::size_t reserve) {
  list.clear();
  if (list.capacity() <= reserve) return;
  List().swap(list);
  list.reserve(reserve);
}

template <class T>
void check_defined(const Node<T>* node, const char* what) {
  if (node == nullptr)
    throw TapeError(fmt::format("{}: the Var is empty (default-constructed)", what));
}

// Frees the nodes of `work` and every input that becomes unreferenced with them.
template <class T>
void drain(std::vector<Node<T>*>& work) {
  while (!work.empty()) {
    Node<T>* n = work.back();
    work.pop_back();
    for (auto& edge : n->inputs)
      if (--edge.node->refs == 0) work.push_back(edge.node);
    clear_to_reserve(n->inputs, kReservedInputs);
    clear_to_reserve(n->ints, kReservedInts);
    // Buffers go back to the allocator's cache, where any op of the same size finds them.
    for (Array<T>* a : {&n->value, &n->grad, &n->saved}) a->resize({0});
    n->backward = nullptr;
    n->closure = nullptr;
    n->op = "leaf";
    n->epoch = 0;
    n->version = 0;
    n->requires_grad = false;
    n->has_grad = false;
    n->retain_grad = false;
    n->grad_freed = false;
    n->handles = 0;
    n->value_uses = 0;
    n->needs = kAllValues;
    n->value_freed = false;
#ifdef UNROLL_NO_CACHE  // sanitizer builds: a freed node is really freed
    delete n;
#else
    if (std::vector<Node<T>*>* pool = free_nodes<T>())
      pool->push_back(n);
    else
      delete n;
#endif
  }
}

}  // namespace

bool grad_enabled() { return grad_mode; }
NoGrad::NoGrad() : previous_(grad_mode) { grad_mode = false; }
NoGrad::~NoGrad() { grad_mode = previous_; }
EnableGrad::EnableGrad() : previous_(grad_mode) { grad_mode = true; }
EnableGrad::~EnableGrad() { grad_mode = previous_; }

namespace detail {

const char* intern_op_name(const char* name) {
  // One table for the process, never destroyed: a node may move to another thread and outlive
  // the thread that named it, and an error message may read the name then.
  static auto* mutex = new std::mutex();
  static auto* names = new std::set<std::string, std::less<>>();
  const std::lock_guard lock(*mutex);
  auto it = names->find(std::string_view(name));
  if (it == names->end()) it = names->emplace(name).first;
  return it->c_str();
}

template <class T>
Node<T>* acquire_node() {
  std::vector<Node<T>*>* pool = free_nodes<T>();
  Node<T>* node;
  if (pool == nullptr || pool->empty()) {
    node = new Node<T>();
    node->inputs.reserve(kReservedInputs);
    node->ints.reserve(kReservedInts);
  } else {
    node = pool->back();
    pool->pop_back();
  }
  node->refs = 1;
  return node;
}

template <class T>
void release(Node<T>* node) {
  if (--node->refs != 0) return;
  // A work list instead of recursion: a 200,000-op chain is freed in a loop.
  WorkList<T>* list = work_list<T>();
  if (list == nullptr) {  // the thread is ending (its tape releasing nodes after the list's end)
    std::vector<Node<T>*> work{node};
    drain(work);
    return;
  }
  list->nodes.push_back(node);
  if (list->draining) return;
  list->draining = true;
  drain(list->nodes);
  list->draining = false;
}

template <class T>
static Var<T> make_result_impl(const char* name, const Var<T>* const* inputs, std::size_t count,
                               BackwardFn<T> backward, ValueNeeds needs) {
  bool needs_grad = false;
  for (std::size_t k = 0; k < count; ++k) {
    check_defined(inputs[k]->node(), name);
    needs_grad = needs_grad || inputs[k]->node()->requires_grad;
  }
  Node<T>* node = acquire_node<T>();
  node->op = name;
  if (needs_grad && grad_mode) {
    node->requires_grad = true;
    node->backward = backward;
    node->needs = needs;
    node->inputs.reserve(count);
    for (std::size_t k = 0; k < count; ++k) {
      Node<T>* in = inputs[k]->node();
      ++in->refs;
      if (reads_input(needs, k)) ++in->value_uses;
      node->inputs.push_back({in, in->version});
    }
    if (needs & kOutputValue) ++node->value_uses;
    tape<T>().record(node);
  }
  return Var<T>(node);
}

template <class T>
Var<T> make_result(const char* name, std::initializer_list<const Var<T>*> inputs,
                   BackwardFn<T> backward, ValueNeeds needs) {
  return make_result_impl<T>(name, inputs.begin(), inputs.size(), backward, needs);
}

template <class T>
Var<T> make_result(const char* name, const Var<T>* const* inputs, std::size_t count,
                   BackwardFn<T> backward, ValueNeeds needs) {
  return make_result_impl<T>(name, inputs, count, backward, needs);
}

template <class T>
Var<T> make_result(const char* name, const std::vector<Var<T>>& inputs, BackwardFn<T> backward,
                   ValueNeeds needs) {
  thread_local std::vector<const Var<T>*> pointers;
  pointers.clear();
  for (const auto& v : inputs) pointers.push_back(&v);
  return make_result_impl<T>(name, pointers.data(), pointers.size(), backward, needs);
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Var

template <class T>
Var<T>::Var(Node<T>* adopted) : node_(adopted) {
  if (node_) ++node_->handles;
}

template <class T>
void Var<T>::drop() {
  Node<T>* n = node_;
  node_ = nullptr;
  // A node with a backward is on the current tape: reset() clears it on the nodes it keeps.
  if (--n->handles == 0 && n->value_uses == 0 && n->backward != nullptr && !n->value_freed) {
    n->freed_shape = n->value.shape();
    n->value.resize({0});
    n->value_freed = true;
  }
  detail::release(n);
}

template <class T>
Var<T>::Var(Array<T> value, bool requires_grad) : node_(detail::acquire_node<T>()) {
  ++node_->handles;
  node_->value = std::move(value);
  node_->requires_grad = requires_grad;
}

template <class T>
Var<T> Var<T>::parameter(Array<T> value) {
  return Var<T>(std::move(value), true);
}

template <class T>
Var<T>::Var(const Var& other) : node_(other.node_) {
  if (node_) ++node_->refs, ++node_->handles;
}

template <class T>
Var<T>::Var(Var&& other) noexcept : node_(other.node_) {
  other.node_ = nullptr;
}

template <class T>
Var<T>& Var<T>::operator=(const Var& other) {
  // Read other's node before dropping ours: `a = a` (or v[i] = v[j], i == j) is one object.
  Node<T>* n = other.node_;
  if (n) ++n->refs, ++n->handles;
  if (node_) drop();
  node_ = n;
  return *this;
}

template <class T>
Var<T>& Var<T>::operator=(Var&& other) noexcept {
  if (this != &other) {
    if (node_) drop();
    node_ = other.node_;
    other.node_ = nullptr;
  }
  return *this;
}

template <class T>
Var<T>::~Var() {
  if (node_) drop();
}

template <class T>
const Array<T>& Var<T>::value() const& {
  check_defined(node_, "value");
  return node_->value;
}

template <class T>
std::size_t Var<T>::dim(std::size_t axis) const {
  const auto& s = shape();
  if (axis >= s.size())
    throw ValueError(fmt::format("dim: axis {} out of range for shape {}", axis, shape_str(s)));
  return s[axis];
}

template <class T>
T Var<T>::item() const {
  if (size() != 1)
    throw ShapeError(
        fmt::format("item: shape {} has {} elements, not 1", shape_str(shape()), size()));
  return *value().data();
}

template <class T>
const char* Var<T>::op() const {
  check_defined(node_, "op");
  return node_->op;
}

template <class T>
bool Var<T>::requires_grad() const {
  check_defined(node_, "requires_grad");
  return node_->requires_grad;
}

template <class T>
bool Var<T>::is_leaf() const {
  check_defined(node_, "is_leaf");
  return node_->backward == nullptr;
}

template <class T>
const Array<T>& Var<T>::grad() const& {
  check_defined(node_, "grad");
  if (!node_->has_grad && node_->grad_freed)
    throw TapeError(fmt::format(
        "grad: the gradient of intermediate '{}' was freed by backward once propagated; call "
        "retain_grad() on it before backward to keep it",
        node_->op));
  if (!node_->has_grad) {
    node_->grad.resize(node_->value.shape());
    node_->grad.fill(T(0));
    node_->has_grad = true;
  }
  return node_->grad;
}

template <class T>
bool Var<T>::has_grad() const {
  check_defined(node_, "has_grad");
  return node_->has_grad;
}

template <class T>
void Var<T>::zero_grad() {
  check_defined(node_, "zero_grad");
  node_->has_grad = false;
  node_->grad_freed = false;
}

template <class T>
void Var<T>::retain_grad() {
  check_defined(node_, "retain_grad");
  node_->retain_grad = true;
}

template <class T>
Array<T>& Var<T>::mutable_value() {
  check_defined(node_, "mutable_value");
  if (node_->backward != nullptr)
    throw TapeError(fmt::format(
        "mutable_value: the result of '{}' is recorded on the tape; only leaves may be changed",
        node_->op));
  ++node_->version;
  return node_->value;
}

template <class T>
void Var<T>::backward() const {
  check_defined(node_, "backward");
  if (size() != 1)
    throw TapeError(fmt::format(
        "backward: the value has shape {} ({} elements); backward() without a seed needs a "
        "one-element value — pass a seed gradient of the same shape",
        shape_str(shape()), size()));
  Array<T> seed = xt::ones<T>(shape());
  backward(seed);
}

template <class T>
void Var<T>::backward(const Array<T>& seed) const {
  check_defined(node_, "backward");
  Node<T>* root = node_;
  auto& t = tape<T>();
  if (root->epoch != 0 && root->epoch != t.epoch())
    throw TapeError(fmt::format(
        "backward: the history of '{}' was released by Tape::reset(); run backward() before "
        "resetting the tape",
        root->op));
  if (!root->requires_grad)
    throw TapeError(fmt::format(
        "backward: the result of '{}' does not require a gradient (no input requiring one fed "
        "into it, or it was computed under NoGrad)",
        root->op));
  if (seed.shape() != root->value.shape())
    throw ShapeError(fmt::format("backward: seed shape {} differs from value shape {}",
                                 shape_str(seed.shape()), shape_str(root->value.shape())));
  const bool recorded = root->backward != nullptr;

  const auto& nodes = t.nodes();
  if (recorded)
    for (std::size_t i = 0; i <= root->tape_index; ++i)
      nodes[i]->has_grad = nodes[i]->grad_freed = false;
  if (root->has_grad) {
    root->grad += seed;
  } else {
    root->grad = seed;
    root->has_grad = true;
  }
  if (!recorded) return;
#ifdef UNROLL_CHECK_BACKWARD_READS
  detail::install_read_fault_handler();
#endif
  for (std::size_t i = root->tape_index + 1; i-- > 0;) {
    Node<T>& n = *nodes[i];
    if (!n.has_grad) continue;
    for (std::size_t k = 0; k < n.inputs.size(); ++k) {
      const auto& edge = n.inputs[k];
      if (edge.node->version != edge.version)
        throw TapeError(fmt::format(
            "backward: input {} of '{}' (shape {}) was modified after it was recorded "
            "(version {}, recorded at {}); change parameters only after backward()",
            k, n.op, shape_str(edge.node->value_shape()), edge.node->version, edge.version));
    }
    {
#ifdef UNROLL_CHECK_BACKWARD_READS
      const detail::UnreadableValues<T> unreadable(n);
#endif
      n.backward(n);
    }
    if (!n.retain_grad) {  // propagated: its buffer goes back to the cache for the next nodes
      n.grad.resize({0});
      n.has_grad = false;
      n.grad_freed = true;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tape

template <class T>
void Tape<T>::record(Node<T>* node) {
  ++node->refs;
  node->epoch = epoch_;
  node->tape_index = nodes_.size();
  nodes_.push_back(node);
}

template <class T>
void Tape<T>::reset() {
  // Newest first: edges point only to older nodes, so when a node is reached every newer node
  // has let go of it. A node that only the tape holds is freed (its inputs with it, through the
  // work list); one that a Var still holds keeps its value but loses its history, becoming a
  // constant. The pool thus receives nodes newest first and hands them out in creation order,
  // so the next step's ops find buffers of the sizes they had.
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    Node<T>* n = *it;
    if (n->refs > 1) {  // a recorded intermediate (never a parameter) becomes a constant
      n->requires_grad = false;
      n->backward = nullptr;
      n->closure = nullptr;
      n->grad_freed = false;
      for (auto& edge : n->inputs) detail::release(edge.node);
      n->inputs.clear();
    }
    detail::release(n);
  }
  nodes_.clear();
  epoch_ = ++last_epoch_;
}

template <class T>
Tape<T>::Nested::Nested(Tape& tape) : tape_(tape), outer_epoch_(tape.epoch_) {
  outer_nodes_.swap(tape.nodes_);
  if (!tape.spare_lists_.empty()) {  // an earlier scope's list, with its capacity
    tape.nodes_.swap(tape.spare_lists_.back());
    tape.spare_lists_.pop_back();
  }
  tape.epoch_ = ++tape.last_epoch_;
}

template <class T>
Tape<T>::Nested::~Nested() {
  tape_.reset();
  tape_.spare_lists_.push_back(std::move(tape_.nodes_));
  tape_.nodes_ = std::move(outer_nodes_);
  tape_.epoch_ = outer_epoch_;
}

template <class T>
Tape<T>::~Tape() {
  reset();
}

template <class T>
Tape<T>& tape() {
  thread_local Tape<T> t;
  return t;
}

template <class T>
Var<T> detach(const Var<T>& x) {
  check_defined(x.node(), "detach");
  Var<T> out(x.value(), false);
  out.node()->op = "detach";
  return out;
}

#define UNROLL_INSTANTIATE(T)                                                                    \
  template struct Node<T>;                                                                       \
  template class Var<T>;                                                                         \
  template class Tape<T>;                                                                        \
  template Tape<T>& tape<T>();                                                                   \
  template Var<T> detach<T>(const Var<T>&);                                                      \
  template Node<T>* detail::acquire_node<T>();                                                   \
  template void detail::release<T>(Node<T>*);                                                    \
  template Var<T> detail::make_result<T>(const char*, std::initializer_list<const Var<T>*>,      \
                                         BackwardFn<T>, ValueNeeds);                             \
  template Var<T> detail::make_result<T>(const char*, const std::vector<Var<T>>&, BackwardFn<T>, \
                                         ValueNeeds);                                            \
  template Var<T> detail::make_result<T>(const char*, const Var<T>* const*, std::size_t,         \
                                         BackwardFn<T>, ValueNeeds);
UNROLL_INSTANTIATE(float)
UNROLL_INSTANTIATE(double)
#undef UNROLL_INSTANTIATE

}  // namespace unroll
