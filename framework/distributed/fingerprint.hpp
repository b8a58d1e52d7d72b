/// @file
/// 64-bit FNV-1a hashes: what ranks compare to find that they hold different models or data
/// (Communicator::require_agreement). Not cryptographic: a check against mistakes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace unroll::distributed {

/// h ← (h ⊕ byte) · 1099511628211 for every byte, from `seed` (the FNV offset basis by default):
/// chain calls to hash several pieces.
inline std::uint64_t fingerprint(std::span<const std::byte> bytes,
                                 std::uint64_t seed = 14695981039346656037ull) {
  std::uint64_t h = seed;
  for (std::byte b : bytes) h = (h ^ static_cast<std::uint64_t>(b)) * 1099511628211ull;
  return h;
}

/// The same over a string's bytes.
inline std::uint64_t fingerprint(std::string_view text,
                                 std::uint64_t seed = 14695981039346656037ull) {
  return fingerprint(std::as_bytes(std::span<const char>(text.data(), text.size())), seed);
}

/// The same over the bytes of a contiguous range of numbers.
template <class T>
std::uint64_t fingerprint_of(std::span<const T> values,
                             std::uint64_t seed = 14695981039346656037ull) {
  return fingerprint(std::as_bytes(values), seed);
}

}  // namespace unroll::distributed
