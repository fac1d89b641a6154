#include "server/rate_limiter.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(RateLimiter, BurstThenSteadyRatePerKey) {
  RateLimiter limiter(2, 3);  // 2 a second, bursts of 3
  double retry = 0;
  Micros t = 1'000'000'000;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Allow("k1", t, retry)) << i;
  EXPECT_FALSE(limiter.Allow("k1", t, retry));
  EXPECT_NEAR(retry, 0.5, 1e-9);
  EXPECT_TRUE(limiter.Allow("k2", t, retry)) << "each key has its own bucket";
  EXPECT_TRUE(limiter.Allow("k1", t + kMicrosPerSecond / 2, retry)) << "one token back after half a second";
  EXPECT_FALSE(limiter.Allow("k1", t + kMicrosPerSecond / 2, retry));
  EXPECT_TRUE(limiter.Allow("k1", t + 100 * kMicrosPerSecond, retry));
  for (int i = 0; i < 2; ++i) EXPECT_TRUE(limiter.Allow("k1", t + 100 * kMicrosPerSecond, retry));
  EXPECT_FALSE(limiter.Allow("k1", t + 100 * kMicrosPerSecond, retry)) << "never more than the burst";
}

TEST(RateLimiter, ZeroRateMeansUnlimited) {
  RateLimiter limiter(0, 0);
  double retry = 0;
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.Allow("k", 0, retry));
}

}  // namespace
}  // namespace confide
