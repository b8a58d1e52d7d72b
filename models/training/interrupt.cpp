#include "models/training/interrupt.hpp"

#include <csignal>

namespace unroll::training {
namespace {

volatile std::sig_atomic_t interrupted = 0;
void on_sigint(int) { interrupted = 1; }

}  // namespace

InterruptFlag::InterruptFlag() : previous_(std::signal(SIGINT, on_sigint)) { interrupted = 0; }

InterruptFlag::~InterruptFlag() { std::signal(SIGINT, previous_); }

bool InterruptFlag::raised() const { return interrupted != 0; }

}  // namespace unroll::training
