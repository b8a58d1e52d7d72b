// Seeded randomness for the synthetic tasks: a batch is a pure function of (seed, batch index),
// so a training run resumes from its step count alone.
//
// batch_rng(seed, index) = std::mt19937_64(splitmix64(splitmix64(seed) + index)), where
// splitmix64(x) is one step of Vigna's SplitMix64: z = x + 0x9E3779B97F4A7C15;
// z = (z ⊕ z≫30)·0xBF58476D1CE4E5B9; z = (z ⊕ z≫27)·0x94D049BB133111EB; z ⊕ z≫31. It is a
// bijection, so for one seed distinct indices always seed distinct generators. Draws read the
// generator's raw 64-bit outputs, whose sequence the standard fixes (std::uniform_*_distribution
// leave their algorithm to each library), so every standard library makes the same batches.
#pragma once

#include <cstdint>
#include <random>

namespace unroll::tasks {

constexpr std::uint64_t splitmix64(std::uint64_t x) {
  std::uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

inline std::mt19937_64 batch_rng(std::uint64_t seed, std::uint64_t index) {
  return std::mt19937_64(splitmix64(splitmix64(seed) + index));
}

// Uniform in [0, n), n ≥ 1: rng() mod n (a bias below n / 2⁶⁴).
inline std::size_t uniform_below(std::mt19937_64& rng, std::size_t n) { return rng() % n; }

// Uniform in [0, 1) on the grid of 2⁻²⁴ (every value exact in float): the top 24 bits of rng().
inline float unit_float(std::mt19937_64& rng) { return static_cast<float>(rng() >> 40) * 0x1p-24f; }

}  // namespace unroll::tasks
