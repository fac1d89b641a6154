// Scheduled retention of a region that several nodes serve (nodes =
// "several"): two cells on one schema of the test run's PostgreSQL
// formation, each with its own data directory and copy of the region's keys.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/scratch_dir.h"
#include "privacy/retention.h"
#include "store/test_postgresql.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

constexpr Micros kHour = 3600 * kMicrosPerSecond;

Event OldView(std::string event_id, std::string customer) {
  Event e;
  e.event_id = std::move(event_id);
  e.type = EventType::kView;
  e.channel = Channel::kWeb;
  e.timestamp = *ParseRfc3339("2025-03-01T10:00:00Z");
  e.product_id = "P1";
  e.id(IdKind::kCustomer) = std::move(customer);
  return e;
}

class SharedRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(TestPostgresql().empty()) << "CONFIDE_TEST_POSTGRESQL is unset: run through ctest";
    a_ = Open("a");
    ASSERT_NE(a_, nullptr);
    fs::copy(dir("keys-a"), dir("keys-b"));  // what an operator does for each node
    b_ = Open("b");
    ASSERT_NE(b_, nullptr);
    limits_.browsing_days = 30;
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

  // Ingests through `cell`, again while it answers kUnavailable (another
  // node moved the region: the client's retry).
  static void Ingest(Cell& cell, const Event& event) {
    for (int attempt = 0;; ++attempt) {
      auto r = cell.Ingest({event});
      if (r.ok() || r.status().code() != Code::kUnavailable || attempt == 50) {
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        return;
      }
    }
  }

  ScratchSchema schema_;  // outlives the cells
  ScratchDir scratch_;
  std::unique_ptr<Cell> a_, b_;
  Retention limits_;
};

// While one node sweeps, another skips its run; a node whose run comes
// within half an interval of another node's run skips it too, and sweeps
// again once the interval has passed.
TEST_F(SharedRetentionTest, OneNodeSweepsTheRegionPerInterval) {
  Ingest(*a_, OldView("v1", "C-R1"));
  const Micros now = NowMicros();
  {
    auto held = b_->store().TryHold("retention");  // node b is sweeping
    ASSERT_TRUE(held.ok() && *held);
    auto skipped = ApplyScheduledRetention(*a_, limits_, now, kHour, "test");
    ASSERT_TRUE(skipped.ok()) << skipped.status().ToString();
    EXPECT_FALSE(skipped->has_value());
  }
  auto swept = ApplyScheduledRetention(*a_, limits_, now, kHour, "test");
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  ASSERT_TRUE(swept->has_value());
  EXPECT_EQ((*swept)->deleted, 1u);

  Ingest(*b_, OldView("v2", "C-R2"));
  auto soon = ApplyScheduledRetention(*b_, limits_, now + kHour / 4, kHour, "test");
  ASSERT_TRUE(soon.ok()) << soon.status().ToString();
  EXPECT_FALSE(soon->has_value()) << "node a swept a quarter of an hour ago";
  auto later = ApplyScheduledRetention(*b_, limits_, now + kHour, kHour, "test");
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  ASSERT_TRUE(later->has_value());
  EXPECT_EQ((*later)->deleted, 1u);
  auto last = LastRetentionRun(*a_);
  ASSERT_TRUE(last.ok() && *last);
  EXPECT_EQ((*last)->at, now + kHour);
}

// A region one node serves sweeps at every run of its schedule.
TEST(ScheduledRetention, ARegionOfOneNodeSweepsEveryRun) {
  ScratchDir scratch;
  auto cell = Cell::Open(RegionConfig{"eu", LegalBasis::kOptOut, "EUR", ""},
                         (scratch.path() / "data").string(), (scratch.path() / "keys").string());
  ASSERT_TRUE(cell.ok()) << cell.status().ToString();
  Retention limits;
  limits.browsing_days = 30;
  const Micros now = NowMicros();
  for (int run = 0; run < 2; ++run) {
    ASSERT_TRUE((*cell)->Ingest({OldView("v" + std::to_string(run), "C-R1")}).ok());
    auto swept = ApplyScheduledRetention(**cell, limits, now + run, kHour, "test");
    ASSERT_TRUE(swept.ok()) << swept.status().ToString();
    ASSERT_TRUE(swept->has_value()) << "run " << run;
    EXPECT_EQ((*swept)->deleted, 1u);
  }
}

}  // namespace
}  // namespace confide
