#include "framework/memory.hpp"

#include <new>
#include <unordered_map>

namespace unroll {
namespace {

constexpr std::align_val_t kAlignment{64};

// A free block stores the next free block of its size in its first bytes.
struct FreeBlock {
  FreeBlock* next;
};

struct Cache {
  std::unordered_map<std::size_t, FreeBlock*> free_lists;  // byte size → first free block
  MemoryStats stats;
};

// Never destroyed: arrays that outlive the thread's storage (statics) may still free blocks.
Cache& cache() {
  thread_local auto* c = new Cache();
  return *c;
}

std::size_t block_size(std::size_t bytes) {
  return bytes < sizeof(FreeBlock) ? sizeof(FreeBlock) : bytes;
}

}  // namespace

namespace detail {

void* cached_allocate(std::size_t bytes) {
  if (bytes == 0) return nullptr;
#ifdef UNROLL_NO_CACHE  // sanitizer builds: every block straight from the system
  return ::operator new(bytes, kAlignment);
#endif
  Cache& c = cache();
  auto it = c.free_lists.find(bytes);
  if (it != c.free_lists.end() && it->second != nullptr) {
    FreeBlock* block = it->second;
    it->second = block->next;
    c.stats.cached_bytes -= bytes;
    ++c.stats.reuses;
    return block;
  }
  ++c.stats.system_allocs;
  c.stats.system_bytes += bytes;
  return ::operator new(block_size(bytes), kAlignment);
}

void cached_deallocate(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
#ifdef UNROLL_NO_CACHE
  ::operator delete(block, kAlignment);
  return;
#endif
  Cache& c = cache();
  try {
    FreeBlock*& head = c.free_lists[bytes];
    auto* freed = static_cast<FreeBlock*>(block);
    freed->next = head;
    head = freed;
    c.stats.cached_bytes += bytes;
  } catch (const std::bad_alloc&) {  // no room for a new list head: give the block back
    ::operator delete(block, kAlignment);
    c.stats.system_bytes -= bytes;
  }
}

}  // namespace detail

MemoryStats memory_stats() { return cache().stats; }

void release_cached_memory() {
  Cache& c = cache();
  for (auto& [bytes, head] : c.free_lists) {
    while (head != nullptr) {
      FreeBlock* next = head->next;
      ::operator delete(head, kAlignment);
      c.stats.system_bytes -= bytes;
      head = next;
    }
  }
  c.free_lists.clear();
  c.stats.cached_bytes = 0;
}

}  // namespace unroll
