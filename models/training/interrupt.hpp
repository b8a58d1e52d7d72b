// Ctrl-C during training: while an InterruptFlag lives, SIGINT only raises it (the loop then
// saves and stops); the previous handler comes back when it ends.
#pragma once

namespace unroll::training {

class InterruptFlag {
 public:
  InterruptFlag();
  ~InterruptFlag();
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;
  bool raised() const;

 private:
  void (*previous_)(int);
};

}  // namespace unroll::training
