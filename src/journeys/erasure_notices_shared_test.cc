// Erasure notices of a region that several nodes serve (nodes = "several",
// cell/test_shared_region.h).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "cell/test_shared_region.h"
#include "journeys/erasure_notices.h"
#include "journeys/test_notices.h"
#include "journeys/test_receiver.h"

namespace confide {
namespace {

class SharedErasureNoticesTest : public SharedRegionNodes {
 protected:
  void SetUp() override {
    SharedRegionNodes::SetUp();
    policy_.webhook.attempts = 1;
    policy_.webhook.timeout = std::chrono::milliseconds(2000);
  }

  NoticePolicy policy_;
  std::atomic<bool> stop_{false};
};

// While one node's pass holds the region's notices, another node sends
// none of them; the notice goes out once, by whichever node passes next.
TEST_F(SharedErasureNoticesTest, OneNodeSendsTheRegionsNoticesAtATime) {
  Receiver receiver({});
  ASSERT_NE(SentThenErased(*a_, "C-shared-0001", receiver.url()), 0);  // through node a
  {
    auto held = b_->store().TryHold("erasure notices");  // node b is in its pass
    ASSERT_TRUE(held.ok() && *held);
    auto pass = SendDueNotices(*a_, policy_, NowMicros(), stop_);
    ASSERT_TRUE(pass.ok()) << pass.status().ToString();
    EXPECT_EQ(pass->attempts, 0u);
    EXPECT_TRUE(receiver.got().empty());
  }
  auto pass = SendDueNotices(*a_, policy_, NowMicros(), stop_);
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_EQ(pass->delivered, 1u);
  pass = SendDueNotices(*b_, policy_, NowMicros(), stop_);
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_EQ(pass->attempts, 0u) << "sent already";
  EXPECT_EQ(receiver.got().size(), 1u);
}

}  // namespace
}  // namespace confide
