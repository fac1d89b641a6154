// Erasure notices of a region that several nodes serve (nodes = "several"):
// two cells on one schema of the test run's PostgreSQL formation, each with
// its own data directory and copy of the region's keys.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/scratch_dir.h"
#include "journeys/erasure_notices.h"
#include "journeys/test_notices.h"
#include "journeys/test_receiver.h"
#include "store/test_postgresql.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

class SharedErasureNoticesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(TestPostgresql().empty()) << "CONFIDE_TEST_POSTGRESQL is unset: run through ctest";
    a_ = Open("a");
    ASSERT_NE(a_, nullptr);
    fs::copy(dir("keys-a"), dir("keys-b"));  // what an operator does for each node
    b_ = Open("b");
    ASSERT_NE(b_, nullptr);
    policy_.webhook.attempts = 1;
    policy_.webhook.timeout = std::chrono::milliseconds(2000);
  }

  std::unique_ptr<Cell> Open(const std::string& node) {
    RegionConfig rc{"eu", LegalBasis::kOptOut, "EUR", ""};
    rc.store = RegionConfig::Store::kPostgresql;
    rc.postgresql = schema_.options().conninfo;
    rc.postgresql_schema = schema_.options().schema;
    rc.several_nodes = true;
    auto c = Cell::Open(rc, dir("data-" + node), dir("keys-" + node));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  std::string dir(const std::string& name) const { return (scratch_.path() / name).string(); }

  ScratchSchema schema_;  // outlives the cells
  ScratchDir scratch_;
  std::unique_ptr<Cell> a_, b_;
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
