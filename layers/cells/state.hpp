// A cell's state: h_t first (the output), then anything else it carries (an LSTM's c_t).
//
// Held inline, up to four parts: a training step creates one per layer and time step, and a
// std::vector would take memory from the heap every time. Used like a small vector:
// `return {h, c};`, `state[1]`, `state.size()`, range-for.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

#include "framework/errors.hpp"
#include "framework/tape.hpp"

namespace unroll {

template <class T>
class State {
 public:
  static constexpr std::size_t capacity = 4;

  State() = default;
  State(const State&) = default;
  State& operator=(const State&) = default;
  State(State&& other) noexcept : parts_(std::move(other.parts_)), size_(other.size_) {
    other.size_ = 0;
  }
  State& operator=(State&& other) noexcept {
    if (this != &other) {
      parts_ = std::move(other.parts_);
      size_ = other.size_;
      other.size_ = 0;
    }
    return *this;
  }
  State(std::initializer_list<Var<T>> parts) {
    for (const auto& p : parts) push_back(p);
  }
  template <class It>
  State(It first, It last) {
    for (; first != last; ++first) push_back(*first);
  }

  void push_back(Var<T> part) {
    if (size_ == capacity)
      throw ValueError(fmt::format("State: a cell state holds at most {} parts", capacity));
    parts_[size_++] = std::move(part);
  }
  template <class... Args>
  Var<T>& emplace_back(Args&&... args) {
    push_back(Var<T>(std::forward<Args>(args)...));
    return parts_[size_ - 1];
  }
  void clear() {
    for (std::size_t i = 0; i < size_; ++i) parts_[i] = Var<T>();
    size_ = 0;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Var<T>& operator[](std::size_t i) { return parts_[i]; }
  const Var<T>& operator[](std::size_t i) const { return parts_[i]; }
  Var<T>* begin() { return parts_.data(); }
  Var<T>* end() { return parts_.data() + size_; }
  const Var<T>* begin() const { return parts_.data(); }
  const Var<T>* end() const { return parts_.data() + size_; }

 private:
  std::array<Var<T>, capacity> parts_;
  std::size_t size_ = 0;
};

// One state per layer (a stack's initial or final states). Its block comes from the caching
// allocator, so a forward pass that returns one takes nothing from the heap once warmed up.
template <class T>
using StateList = std::vector<State<T>, CachingAllocator<State<T>>>;

}  // namespace unroll
