/// @file
/// Array buffers come from a caching allocator: a freed block is kept on a per-thread free list
/// for its exact byte size and handed out again. A training step repeats the same shapes, so
/// after its first run it takes no memory from the system — whichever node or temporary asks.
/// The blocks held stay under a byte limit per thread (set_cache_limit): past it, the sizes used
/// least recently are given back first, so batches of ever new lengths do not grow it for good.
/// A thread's blocks go back to the system when the thread ends.
#pragma once

#include <cstddef>

namespace unroll {

namespace detail {
void* cached_allocate(std::size_t bytes);
void cached_deallocate(void* block, std::size_t bytes) noexcept;
}  // namespace detail

/// Blocks this thread holds for reuse, and what asking for them cost.
struct MemoryStats {
  std::size_t cached_bytes = 0;   ///< held on free lists now
  std::size_t system_allocs = 0;  ///< blocks taken from the system so far
  std::size_t system_bytes = 0;   ///< bytes of all blocks taken and not given back: in use + cached
  std::size_t reuses = 0;         ///< requests served from a free list so far
};
MemoryStats memory_stats();  ///< this thread's

/// Give every cached block of this thread back to the system.
void release_cached_memory();

/// set_cache_limit's default: it holds a large model's whole training step several times over.
inline constexpr std::size_t kDefaultCacheLimit = std::size_t(1) << 30;  ///< 1 GiB
/// At most `bytes` held on this thread's free lists (trimmed at once); returns the previous limit.
std::size_t set_cache_limit(std::size_t bytes);

/// 64-byte aligned (one cache line, one AVX-512 register), cached by size.
template <class T>
struct CachingAllocator {
  ///@{
  /// What std::allocator_traits asks of an allocator; all instances are interchangeable.
  using value_type = T;
  CachingAllocator() noexcept = default;
  template <class U>
  CachingAllocator(const CachingAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(detail::cached_allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { detail::cached_deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const CachingAllocator<U>&) const noexcept {
    return true;
  }
  template <class U>
  bool operator!=(const CachingAllocator<U>&) const noexcept {
    return false;
  }
  ///@}
};

}  // namespace unroll
