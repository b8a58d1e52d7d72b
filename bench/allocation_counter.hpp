// Counts every call of the global operator new in the program that includes this header (once:
// it replaces the global allocation functions). charlm_bench reports the count per steady-state
// training step, next to the caching allocator's own system allocations (framework/memory.hpp).
#pragma once

#include <atomic>
#include <cstdlib>
#include <new>

// Every replaced operator new takes its block from malloc or aligned_alloc, so free is the
// matching release; GCC cannot see that across the replacement and would warn.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace unroll::bench {
inline std::atomic<std::size_t> operator_new_calls{0};
}  // namespace unroll::bench

void* operator new(std::size_t bytes) {
  unroll::bench::operator_new_calls.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(bytes == 0 ? 1 : bytes)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t bytes) { return ::operator new(bytes); }
void* operator new(std::size_t bytes, std::align_val_t align) {
  unroll::bench::operator_new_calls.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (bytes + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t bytes, std::align_val_t align) {
  return ::operator new(bytes, align);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#pragma GCC diagnostic pop
