#include "framework/check_reads.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>

namespace unroll::detail {
namespace {

// The unreadable memory: one reservation of addresses that are never readable (no memory behind
// them), cut into one slice per thread that runs a backward. A value made unreadable takes the
// next whole pages of its thread's slice, so a faulting address names its value.
constexpr std::size_t kSliceBytes = std::size_t(1) << 32;  // 4 GiB: one backward's values
constexpr std::size_t kSlices = 64;                        // threads in a backward at once

// A value made unreadable: [begin, begin + span) stands for it while `op`'s backward runs.
struct Unreadable {
  const char* op;
  long input;  // its index among the node's inputs, or −1: the node's own value
  const char* begin;
  std::size_t span;
  Shape shape;
};

// One thread's slice: `used` bytes of it taken, by the values listed in `active`.
struct Slice {
  char* begin = nullptr;
  std::size_t used = 0;
  std::vector<Unreadable> active;
  std::size_t index = kSlices;  // its place in slice_owners, kSlices until claimed
  ~Slice();
};

char* reservation = nullptr;  // kSlices · kSliceBytes, mapped PROT_NONE once
std::size_t page_bytes = 4096;
std::atomic<Slice*> slice_owners[kSlices];  // for the fault handler, which may run on any thread
std::mutex install_mutex;
struct sigaction previous_action;  // the SIGSEGV handling before ours

thread_local void* pending_block = nullptr;  // what the next allocation of this thread returns

// A value made unreadable, kept here while its node holds the unreadable array. One list per
// thread, a stack across nested scopes (a recompute node's backward runs a backward inside), whose
// capacity stays: a steady training step allocates nothing for the check.
template <class T>
struct Swapped {
  Node<T>* node;
  Array<T> value;
};

template <class T>
std::vector<Swapped<T>>& swapped_values() {
  thread_local std::vector<Swapped<T>> list;
  return list;
}

Slice::~Slice() {
  if (index < kSlices) slice_owners[index].store(nullptr);
}

void reserve() {
  static std::once_flag once;
  std::call_once(once, [] {
    page_bytes = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    void* p = mmap(nullptr, kSlices * kSliceBytes, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
      throw TapeError(
          fmt::format("checking mode: cannot reserve {} GiB of unreadable addresses: {}",
                      (kSlices * kSliceBytes) >> 30, std::strerror(errno)));
    reservation = static_cast<char*>(p);
  });
}

Slice& this_thread_slice() {
  thread_local Slice slice;
  if (slice.index == kSlices) {
    reserve();
    for (std::size_t i = 0; i < kSlices; ++i) {
      Slice* none = nullptr;
      if (slice_owners[i].compare_exchange_strong(none, &slice)) {
        slice.index = i;
        slice.begin = reservation + i * kSliceBytes;
        slice.active.reserve(64);  // the fault handler may read it from another thread
        return slice;
      }
    }
    throw TapeError(fmt::format(
        "checking mode: more than {} threads run a backward at once; it checks at most that many",
        kSlices));
  }
  return slice;
}

// Text for the fault handler, which may call nothing that allocates or locks.
struct Message {
  char text[1024];
  std::size_t size = 0;
  void add(const char* s) {
    while (*s != '\0' && size + 1 < sizeof text) text[size++] = *s++;
  }
  void add(std::size_t n) {
    char digits[24];
    std::size_t count = 0;
    do {
      digits[count++] = static_cast<char>('0' + n % 10);
      n /= 10;
    } while (n != 0);
    while (count > 0 && size + 1 < sizeof text) text[size++] = digits[--count];
  }
};

const Unreadable* find_unreadable(const char* address) {
  if (reservation == nullptr || address < reservation ||
      address >= reservation + kSlices * kSliceBytes)
    return nullptr;
  const Slice* slice = slice_owners[(address - reservation) / kSliceBytes].load();
  if (slice == nullptr) return nullptr;
  for (const Unreadable& u : slice->active)
    if (address >= u.begin && address < u.begin + u.span) return &u;
  return nullptr;
}

void on_fault(int, siginfo_t* info, void*) {
  if (const Unreadable* u = find_unreadable(static_cast<const char*>(info->si_addr))) {
    Message m;
    m.add("unroll: backward of '");
    m.add(u->op);
    m.add("' read ");
    if (u->input < 0) {
      m.add("its own value ");
    } else {
      m.add("input ");
      m.add(static_cast<std::size_t>(u->input));
      m.add("'s value ");
    }
    m.add("[");
    for (std::size_t i = 0; i < u->shape.size(); ++i) {
      if (i > 0) m.add(",");
      m.add(u->shape[i]);
    }
    m.add(
        "], which it does not declare (checked by UNROLL_CHECK_BACKWARD_READS: declare it in "
        "the op's ValueNeeds, or do not read it)\n");
    [[maybe_unused]] const auto written = write(STDERR_FILENO, m.text, m.size);
  }
  // Returning runs the faulting read again, which now reaches the handling before ours.
  sigaction(SIGSEGV, &previous_action, nullptr);
}

}  // namespace

void install_read_fault_handler() {
  const auto is_ours = [](const struct sigaction& a) {
    return (a.sa_flags & SA_SIGINFO) != 0 && a.sa_sigaction == on_fault;
  };
  struct sigaction current {};
  sigaction(SIGSEGV, nullptr, &current);
  if (is_ours(current)) return;
  const std::lock_guard<std::mutex> lock(install_mutex);
  sigaction(SIGSEGV, nullptr, &current);
  if (is_ours(current)) return;
  struct sigaction ours {};
  ours.sa_sigaction = on_fault;
  ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&ours.sa_mask);
  sigaction(SIGSEGV, &ours, &previous_action);
  if (!(previous_action.sa_flags & SA_SIGINFO) && previous_action.sa_handler == SIG_IGN)
    previous_action.sa_handler = SIG_DFL;  // an ignored fault would run again forever
}

void* take_unreadable_block() noexcept { return std::exchange(pending_block, nullptr); }

bool is_unreadable(const void* block) noexcept {
  const auto* p = static_cast<const char*>(block);
  return reservation != nullptr && p >= reservation && p < reservation + kSlices * kSliceBytes;
}

template <class T>
UnreadableValues<T>::UnreadableValues(Node<T>& node)
    : first_(swapped_values<T>().size()), mark_(this_thread_slice().used) {
  Slice& slice = this_thread_slice();
  auto& swapped = swapped_values<T>();
  // Each node reached through an undeclared edge, once, with the first such edge's index — unless
  // a declared edge reaches it too (mul(x, x) reads x through both).
  thread_local std::vector<std::pair<Node<T>*, long>> undeclared;
  thread_local std::vector<Node<T>*> declared;
  undeclared.clear();
  declared.clear();
  for (std::size_t k = 0; k < node.inputs.size(); ++k) {
    Node<T>* in = node.inputs[k].node;
    if (reads_input(node.needs, k))
      declared.push_back(in);
    else
      undeclared.emplace_back(in, static_cast<long>(k));
  }
  std::sort(declared.begin(), declared.end());
  std::sort(undeclared.begin(), undeclared.end());  // by node, then edge: no buffer allocated
  auto make_unreadable = [&](Node<T>* x, long input) {
    const Shape shape = x->value_shape();
    const std::size_t bytes = shape_size(shape) * sizeof(T);
    if (bytes == 0) return;  // nothing to read
    const std::size_t span = (bytes + page_bytes - 1) / page_bytes * page_bytes;
    if (slice.used + span > kSliceBytes)
      throw TapeError(fmt::format(
          "checking mode: the values backward of '{}' does not declare exceed the {} GiB it can "
          "make unreadable",
          node.op, kSliceBytes >> 30));
    char* block = slice.begin + slice.used;
    slice.used += span;
    slice.active.push_back({node.op, input, block, span, shape});
    pending_block = block;
    Array<T> unreadable(shape);  // its one allocation takes the pending block
    pending_block = nullptr;
    std::swap(x->value, unreadable);
    swapped.push_back({x, std::move(unreadable)});
  };
  try {
    for (std::size_t i = 0; i < undeclared.size(); ++i) {
      Node<T>* x = undeclared[i].first;
      if (i > 0 && undeclared[i - 1].first == x) continue;
      if (!std::binary_search(declared.begin(), declared.end(), x))
        make_unreadable(x, undeclared[i].second);
    }
    if (!(node.needs & kOutputValue)) make_unreadable(&node, -1);
  } catch (...) {
    restore();
    throw;
  }
}

template <class T>
UnreadableValues<T>::~UnreadableValues() {
  restore();
}

template <class T>
void UnreadableValues<T>::restore() {
  Slice& slice = this_thread_slice();
  auto& swapped = swapped_values<T>();
  while (swapped.size() > first_) {
    std::swap(swapped.back().node->value, swapped.back().value);
    swapped.pop_back();  // the unreadable array: is_unreadable keeps the allocator off its block
    slice.active.pop_back();
  }
  slice.used = mark_;
}

template class UnreadableValues<float>;
template class UnreadableValues<double>;

}  // namespace unroll::detail
