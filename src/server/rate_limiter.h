// RateLimiter: a token bucket per caller (an API key id, a shopper-token
// subject, a client address), so one caller cannot starve the others.
// ConcurrencyLimiter: how many requests one caller (or route) has in
// flight, so slow routes cannot take every blocking thread.
//
// Both are thread-safe (one absl::Mutex each; the critical sections are a
// few arithmetic operations and a hash lookup). Callers choose the bucket
// names; a name holding personal data must be pseudonymous (e.g. a
// pseudonym's hex), and names are never logged.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/time.h"

namespace confide {

class RateLimiter {
 public:
  // `per_second` tokens are added per second up to `burst`; 0 disables.
  // Buckets that have refilled are forgotten once more than `max_buckets`
  // exist, so callers with ever new names cannot grow it without bound.
  RateLimiter(double per_second, double burst, size_t max_buckets = 100'000)
      : per_second_(per_second), burst_(burst), max_buckets_(max_buckets) {}

  // Takes a token for `name` at `now`; when none is left, returns false
  // and the seconds until the next one in `retry_after`.
  bool Allow(std::string_view name, Micros now, double& retry_after);

 private:
  struct Bucket {
    double tokens;
    Micros at;
  };
  // Drops the buckets that are full again at `now` (they hold no state).
  void PruneLocked(Micros now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double per_second_, burst_;
  const size_t max_buckets_;
  absl::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
};

class ConcurrencyLimiter {
 public:
  // Counts one more request of `name` unless `max` are in flight already
  // (then false, and nothing is counted).
  bool TryAcquire(std::string_view name, uint32_t max);
  // Ends one request counted by a TryAcquire that returned true.
  void Release(std::string_view name);
  // Requests of `name` in flight now (for tests).
  uint32_t InFlight(std::string_view name);

 private:
  absl::Mutex mu_;
  std::unordered_map<std::string, uint32_t> in_flight_ ABSL_GUARDED_BY(mu_);  // no zero entries
};

}  // namespace confide
