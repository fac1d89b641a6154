// Clock: the engine's time, passed in (as LevelDB passes its Env) so that a
// test moves it instead of waiting for it. SystemClock() is the default
// everywhere; a ManualClock stands still until told to move.
//
// Thread-safety: every method may be called concurrently.
#pragma once

#include <atomic>
#include <chrono>

#include "core/time.h"

namespace confide {

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch, UTC.
  virtual Micros Now() const = 0;
  // How long, in real time, a thread waiting for Now() to reach `at` sleeps
  // before it looks again: the time left, for a clock that moves by itself;
  // a short poll for one that moves only when told.
  virtual std::chrono::microseconds RealWaitFor(Micros at) const = 0;
};

// The system's real time. Lives as long as the process.
const Clock& SystemClock();

class ManualClock : public Clock {
 public:
  explicit ManualClock(Micros start) : now_(start) {}
  Micros Now() const override { return now_.load(std::memory_order_acquire); }
  // One millisecond while `at` is ahead: Advance wakes no one.
  std::chrono::microseconds RealWaitFor(Micros at) const override;
  void Advance(std::chrono::microseconds by) { now_.fetch_add(by.count(), std::memory_order_acq_rel); }

 private:
  std::atomic<Micros> now_;
};

}  // namespace confide
