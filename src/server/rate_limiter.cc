#include "server/rate_limiter.h"

#include <algorithm>

namespace confide {

bool RateLimiter::Allow(std::string_view key_id, Micros now, double& retry_after) {
  if (per_second_ <= 0) return true;
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(std::string(key_id), Bucket{burst_, now});
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

}  // namespace confide
