/// @file
/// A cell's state: h_t first (the output), then anything else it carries (an LSTM's c_t).
///
/// Held inline, up to four parts: a training step creates one per layer and time step, and a
/// std::vector would take memory from the heap every time. Used like a small vector:
/// `return {h, c};`, `state[1]`, `state.size()`, range-for.
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

/// A cell's state (see the top of this file): up to `capacity` Vars, h first.
template <class T>
class State {
 public:
  static constexpr std::size_t capacity = 4;  ///< the most parts a state holds

  State() = default;
  ///@{
  /// Copies share the parts' nodes (Vars are handles); a move leaves the source empty.
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
  ///@}
  /// The given parts, in order; ValueError for more than `capacity`.
  State(std::initializer_list<Var<T>> parts) {
    for (const auto& p : parts) push_back(p);
  }
  /// @copydoc State(std::initializer_list<Var<T>>)
  template <class It>
  State(It first, It last) {
    for (; first != last; ++first) push_back(*first);
  }

  /// Appends a part; ValueError when the state is full.
  void push_back(Var<T> part) {
    if (size_ == capacity)
      throw ValueError(fmt::format("State: a cell state holds at most {} parts", capacity));
    parts_[size_++] = std::move(part);
  }
  /// Appends Var<T>(args...) and returns it; ValueError when the state is full.
  template <class... Args>
  Var<T>& emplace_back(Args&&... args) {
    push_back(Var<T>(std::forward<Args>(args)...));
    return parts_[size_ - 1];
  }
  /// Drops every part.
  void clear() {
    for (std::size_t i = 0; i < size_; ++i) parts_[i] = Var<T>();
    size_ = 0;
  }

  std::size_t size() const { return size_; }  ///< parts held
  bool empty() const { return size_ == 0; }   ///< no parts
  ///@{
  /// Part i (unchecked, as std::vector's).
  Var<T>& operator[](std::size_t i) { return parts_[i]; }
  const Var<T>& operator[](std::size_t i) const { return parts_[i]; }
  ///@}
  ///@{
  /// The parts, for range-for.
  Var<T>* begin() { return parts_.data(); }
  Var<T>* end() { return parts_.data() + size_; }
  const Var<T>* begin() const { return parts_.data(); }
  const Var<T>* end() const { return parts_.data() + size_; }
  ///@}

 private:
  std::array<Var<T>, capacity> parts_;
  std::size_t size_ = 0;
};

/// One state per layer (a stack's initial or final states). Its block comes from the caching
/// allocator, so a forward pass that returns one takes nothing from the heap once warmed up.
template <class T>
using StateList = std::vector<State<T>, CachingAllocator<State<T>>>;

}  // namespace unroll
