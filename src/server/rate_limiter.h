// RateLimiter: a token bucket per API key id, so one integration cannot
// starve the others. Thread-safe (one mutex; the critical section is a few
// arithmetic operations).
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"

namespace confide {

class RateLimiter {
 public:
  // `per_second` tokens are added per second up to `burst`; 0 disables.
  RateLimiter(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  // Takes a token for `key_id` at `now`; when none is left, returns false
  // and the seconds until the next one in `retry_after`.
  bool Allow(std::string_view key_id, Micros now, double& retry_after);

 private:
  struct Bucket {
    double tokens;
    Micros at;
  };
  const double per_second_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace confide
