#include "server/rate_limiter.h"

#include <algorithm>

namespace confide {

bool RateLimiter::Allow(std::string_view name, Micros now, double& retry_after) {
  if (per_second_ <= 0) return true;
  absl::MutexLock lock(&mu_);
  if (buckets_.size() >= max_buckets_) PruneLocked(now);
  auto [it, fresh] = buckets_.try_emplace(std::string(name), Bucket{burst_, now});
  Bucket& b = it->second;
  if (!fresh) {
    double elapsed = static_cast<double>(std::max<Micros>(0, now - b.at)) / kMicrosPerSecond;
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.at = now;
  }
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  retry_after = (1 - b.tokens) / per_second_;
  return false;
}

void RateLimiter::PruneLocked(Micros now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double elapsed = static_cast<double>(std::max<Micros>(0, now - it->second.at)) / kMicrosPerSecond;
    if (it->second.tokens + elapsed * per_second_ >= burst_)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

bool ConcurrencyLimiter::TryAcquire(std::string_view name, uint32_t max) {
  absl::MutexLock lock(&mu_);
  auto [it, fresh] = in_flight_.try_emplace(std::string(name), 0);
  if (it->second >= max) return false;
  ++it->second;
  return true;
}

void ConcurrencyLimiter::Release(std::string_view name) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(std::string(name));
  if (it == in_flight_.end()) return;
  if (--it->second == 0) in_flight_.erase(it);
}

uint32_t ConcurrencyLimiter::InFlight(std::string_view name) {
  absl::MutexLock lock(&mu_);
  auto it = in_flight_.find(std::string(name));
  return it == in_flight_.end() ? 0 : it->second;
}

}  // namespace confide
