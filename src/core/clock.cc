#include "core/clock.h"

#include <algorithm>

namespace confide {
namespace {

class RealClock : public Clock {
 public:
  Micros Now() const override { return NowMicros(); }
  std::chrono::microseconds RealWaitFor(Micros at) const override {
    return std::chrono::microseconds(std::max<Micros>(0, at - Now()));
  }
};

}  // namespace

const Clock& SystemClock() {
  static const RealClock clock;
  return clock;
}

std::chrono::microseconds ManualClock::RealWaitFor(Micros at) const {
  return Now() >= at ? std::chrono::microseconds(0) : std::chrono::milliseconds(1);
}

}  // namespace confide
