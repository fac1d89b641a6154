// Cell bulk loads (Cell::BeginBulkLoad): rows held until a commit, dedupe
// across held, committing and stored rows, crash safety, no plaintext.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

namespace fs = std::filesystem;

Event Search(const std::string& event_id, const std::string& customer, const std::string& query = "q") {
  Event e;
  e.event_id = event_id;
  e.type = EventType::kSearch;
  e.channel = Channel::kWeb;
  e.timestamp = *ParseRfc3339("2025-03-01T10:00:00Z");
  e.id(IdKind::kCustomer) = customer;
  e.query = query;
  return e;
}

class BulkLoadTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  // Closing without EndBulkLoad is what a crash leaves: rows not committed
  // are gone.
  void Reopen() {
    cell_.reset();
    auto c = Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (root_ / "data").string(), (root_ / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(*c);
  }
  std::vector<IngestOutcome::Kind> Ingest(std::vector<Event> events) {
    auto r = cell_->Ingest(std::move(events));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<IngestOutcome::Kind> kinds;
    if (r.ok())
      for (const auto& o : *r) kinds.push_back(o.kind);
    return kinds;
  }
  uint64_t Events(const std::string& customer) {
    auto p = cell_->GetProfile(IdKind::kCustomer, customer);
    EXPECT_TRUE(p.ok());
    return p.ok() && p->has_value() ? (*p)->events : 0;
  }

  using K = IngestOutcome::Kind;
  ScratchDir scratch_;  // outlives cell_
  const fs::path& root_ = scratch_.path();
  std::unique_ptr<Cell> cell_;
};

TEST_F(BulkLoadTest, RowsAreHeldUntilACommitAndDedupedMeanwhile) {
  ASSERT_TRUE(cell_->BeginBulkLoad().ok());
  EXPECT_EQ(Ingest({Search("e1", "C1"), Search("e2", "C1"), Search("e1", "C1")}),
            (std::vector<K>{K::kStored, K::kStored, K::kDuplicate}));
  EXPECT_GT(cell_->bulk_pending_bytes(), 0u);
  EXPECT_EQ(Events("C1"), 0u) << "held rows are not readable before their commit";
  EXPECT_EQ(Ingest({Search("e2", "C1")}), (std::vector<K>{K::kDuplicate})) << "a held row is stored";
  auto committed = cell_->CommitBulkLoad();
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ(*committed, 2u);
  EXPECT_EQ(cell_->bulk_pending_bytes(), 0u);
  EXPECT_EQ(Events("C1"), 2u);
  EXPECT_EQ(Ingest({Search("e1", "C1"), Search("e3", "C1")}), (std::vector<K>{K::kDuplicate, K::kStored}))
      << "a committed row is stored";
  ASSERT_TRUE(cell_->EndBulkLoad().ok());
  EXPECT_EQ(Events("C1"), 3u);
  EXPECT_EQ(Ingest({Search("e3", "C1"), Search("e4", "C1")}), (std::vector<K>{K::kDuplicate, K::kStored}))
      << "after the load: ingestion as usual";
  EXPECT_EQ(Events("C1"), 4u);
}

// A load into a store that holds events already probes the store.
TEST_F(BulkLoadTest, EventsStoredBeforeTheLoadAreDuplicates) {
  EXPECT_EQ(Ingest({Search("e1", "C1")}), (std::vector<K>{K::kStored}));
  ASSERT_TRUE(cell_->BeginBulkLoad().ok());
  EXPECT_EQ(Ingest({Search("e1", "C1"), Search("e2", "C1")}), (std::vector<K>{K::kDuplicate, K::kStored}));
  ASSERT_TRUE(cell_->EndBulkLoad().ok());
  EXPECT_EQ(Events("C1"), 2u);
}

// A crash loses exactly the rows not committed, identity records included,
// and a re-run of the same input stores those and nothing twice.
TEST_F(BulkLoadTest, ACrashLosesOnlyUncommittedRowsAndARerunCompletesTheLoad) {
  std::vector<Event> first = {Search("e1", "C1"), Search("e2", "C2")};
  std::vector<Event> second = {Search("e3", "C1"), Search("e4", "C3")};
  Event link = Search("e5", "C3");
  link.type = EventType::kIdentify;
  link.id(IdKind::kLoyalty) = "L3";
  second.push_back(link);
  ASSERT_TRUE(cell_->BeginBulkLoad().ok());
  Ingest(first);
  ASSERT_TRUE(cell_->CommitBulkLoad().ok());
  Ingest(second);
  Reopen();  // the crash: `second` was never committed
  EXPECT_EQ(Events("C1"), 1u);
  EXPECT_EQ(Events("C2"), 1u);
  EXPECT_EQ(Events("C3"), 0u);
  EXPECT_FALSE(cell_->GetProfile(IdKind::kLoyalty, "L3")->has_value()) << "the link was not committed either";

  ASSERT_TRUE(cell_->BeginBulkLoad().ok());
  EXPECT_EQ(Ingest(first), (std::vector<K>{K::kDuplicate, K::kDuplicate}));
  EXPECT_EQ(Ingest(second), (std::vector<K>{K::kStored, K::kStored, K::kStored}));
  ASSERT_TRUE(cell_->EndBulkLoad().ok());
  Reopen();
  EXPECT_EQ(Events("C1"), 2u);
  EXPECT_EQ(Events("C3"), 2u);
  auto by_loyalty = cell_->GetProfile(IdKind::kLoyalty, "L3");
  ASSERT_TRUE(by_loyalty.ok() && by_loyalty->has_value());
  EXPECT_EQ((*by_loyalty)->events, 2u) << "identity records committed with the events";
}

TEST_F(BulkLoadTest, ConcurrentIngestAndCommitsStoreEachEventOnce) {
  ASSERT_TRUE(cell_->BeginBulkLoad().ok());
  constexpr int kThreads = 3, kRounds = 20, kEvents = 50;
  std::atomic<int> stored{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        std::vector<Event> batch;
        for (int i = 0; i < kEvents; ++i)
          batch.push_back(Search("ev-" + std::to_string(r * kEvents + i), "C-" + std::to_string(i % 7)));
        auto out = cell_->Ingest(batch);
        ASSERT_TRUE(out.ok());
        for (const auto& o : *out) stored += o.kind == IngestOutcome::Kind::kStored;
        ASSERT_TRUE(cell_->CommitBulkLoad().ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(cell_->EndBulkLoad().ok());
  EXPECT_EQ(stored.load(), kRounds * kEvents);
  uint64_t total = 0;
  for (int c = 0; c < 7; ++c) total += Events("C-" + std::to_string(c));
  EXPECT_EQ(total, static_cast<uint64_t>(kRounds * kEvents));
}

// The bulk path writes table files directly: still nothing in plaintext.
TEST_F(BulkLoadTest, RegionDirectoryHoldsNoPlaintext) {
  const std::string customer = "customer-bulk-7d2e";
  const std::string loyalty = "loyalty-bulk-91c4";
  const std::string marker = "bulk-search-marker-3f8b";
  Event e = Search("evt-bulk-plain-1", customer, marker);
  e.id(IdKind::kLoyalty) = loyalty;
  ASSERT_TRUE(cell_->BeginBulkLoad().ok());
  Ingest({e});
  ASSERT_TRUE(cell_->EndBulkLoad().ok());
  fs::path dir = root_ / "data" / "eu";
  ASSERT_TRUE(DirectoryContains(dir, "data_keys")) << "sanity: the search reads the database files";
  for (const auto& needle : {customer, loyalty, marker, std::string("evt-bulk-plain-1")})
    EXPECT_FALSE(DirectoryContains(dir, needle)) << needle;
  EXPECT_EQ(Events(customer), 1u);
}

}  // namespace
}  // namespace confide
