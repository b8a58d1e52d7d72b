#include "framework/memory.hpp"

#ifdef UNROLL_CHECK_BACKWARD_READS
#include "framework/check_reads.hpp"
#endif

#include <cstdint>
#include <new>
#include <unordered_map>

namespace unroll {
namespace {

constexpr std::align_val_t kAlignment{64};

// A free block stores the next free block of its size in its first bytes.
struct FreeBlock {
  FreeBlock* next;
};

// The free blocks of one byte size, and when that size was last asked for or given back.
struct SizeList {
  FreeBlock* head = nullptr;
  std::uint64_t last_used = 0;
};

struct Cache {
  std::unordered_map<std::size_t, SizeList> free_lists;  // byte size → its free blocks
  MemoryStats stats;
  std::size_t limit = kDefaultCacheLimit;
  std::uint64_t clock = 0;
  ~Cache();  // gives every block back: the thread is ending
};

// Whether the calling thread's cache is gone (trivially destructible: readable to the end).
thread_local bool cache_gone = false;

// The calling thread's cache, made on first use and given back when the thread ends; null from
// then on (other thread-local objects being destroyed, statics outliving main), when blocks go
// straight to and from the system.
Cache* cache() {
  if (cache_gone) return nullptr;
  thread_local Cache c;
  return &c;
}

std::size_t block_size(std::size_t bytes) {
  return bytes < sizeof(FreeBlock) ? sizeof(FreeBlock) : bytes;
}

// Gives back every block of `it`'s size and forgets the size.
void free_list(Cache& c, std::unordered_map<std::size_t, SizeList>::iterator it) {
  for (FreeBlock* block = it->second.head; block != nullptr;) {
    FreeBlock* next = block->next;
    ::operator delete(block, kAlignment);
    c.stats.cached_bytes -= it->first;
    c.stats.system_bytes -= it->first;
    block = next;
  }
  c.free_lists.erase(it);
}

// Over the limit: the sizes used least recently go back to the system first (a scan of the
// sizes, only when over the limit: never in a steady state that fits). Empty lists met on the
// way are forgotten too.
void trim(Cache& c) {
  while (c.stats.cached_bytes > c.limit) {
    auto oldest = c.free_lists.end();
    for (auto it = c.free_lists.begin(); it != c.free_lists.end();) {
      if (it->second.head == nullptr) {
        it = c.free_lists.erase(it);
        continue;
      }
      if (oldest == c.free_lists.end() || it->second.last_used < oldest->second.last_used)
        oldest = it;
      ++it;
    }
    free_list(c, oldest);
  }
}

Cache::~Cache() {
  cache_gone = true;
  while (!free_lists.empty()) free_list(*this, free_lists.begin());
}

}  // namespace

namespace detail {

void* cached_allocate(std::size_t bytes) {
  if (bytes == 0) return nullptr;
#ifdef UNROLL_CHECK_BACKWARD_READS  // an array made unreadable for a backward takes its block
  if (void* block = take_unreadable_block()) return block;
#endif
  Cache* cp = cache();
  if (cp == nullptr) return ::operator new(block_size(bytes), kAlignment);  // the thread is ending
  Cache& c = *cp;
#ifdef UNROLL_NO_CACHE  // sanitizer builds: every block straight from the system
  ++c.stats.system_allocs;
  c.stats.system_bytes += bytes;
  return ::operator new(bytes, kAlignment);
#endif
  auto it = c.free_lists.find(bytes);
  if (it != c.free_lists.end() && it->second.head != nullptr) {
    FreeBlock* block = it->second.head;
    it->second.head = block->next;
    it->second.last_used = ++c.clock;
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
#ifdef UNROLL_CHECK_BACKWARD_READS
  if (is_unreadable(block)) return;
#endif
  Cache* cp = cache();
  if (cp == nullptr) {  // the thread is ending
    ::operator delete(block, kAlignment);
    return;
  }
  Cache& c = *cp;
#ifdef UNROLL_NO_CACHE
  ::operator delete(block, kAlignment);
  c.stats.system_bytes -= bytes;
  return;
#endif
  try {
    SizeList& list = c.free_lists[bytes];
    auto* freed = static_cast<FreeBlock*>(block);
    freed->next = list.head;
    list.head = freed;
    list.last_used = ++c.clock;
    c.stats.cached_bytes += bytes;
    if (c.stats.cached_bytes > c.limit) trim(c);
  } catch (const std::bad_alloc&) {  // no room for a new list head: give the block back
    ::operator delete(block, kAlignment);
    c.stats.system_bytes -= bytes;
  }
}

}  // namespace detail

MemoryStats memory_stats() {
  const Cache* c = cache();
  return c ? c->stats : MemoryStats{};
}

void release_cached_memory() {
  Cache* c = cache();
  if (c == nullptr) return;
  while (!c->free_lists.empty()) free_list(*c, c->free_lists.begin());
}

std::size_t set_cache_limit(std::size_t bytes) {
  Cache* c = cache();
  if (c == nullptr) return kDefaultCacheLimit;  // the thread is ending: nothing is cached
  const std::size_t previous = c->limit;
  c->limit = bytes;
  trim(*c);
  return previous;
}

}  // namespace unroll
