// The Store's contract (store/store.h), held by both backends: the same
// tests against RocksDB in a scratch directory and against a schema on the
// test run's PostgreSQL formation.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "core/scratch_dir.h"
#include "store/postgresql_store.h"
#include "store/store.h"
#include "store/test_postgresql.h"

namespace confide {
namespace {

class StoreContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "rocksdb") {
      auto s = OpenRocksDbStore(dir_.path().string());
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      store_ = std::move(*s);
      return;
    }
    ASSERT_FALSE(TestPostgresql().empty()) << "CONFIDE_TEST_POSTGRESQL is unset: run through ctest";
    schema_.emplace();
    auto s = OpenPostgresqlStore(schema_->options());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override { store_.reset(); }

  std::vector<std::string> Scanned(Family f, std::string_view begin, std::string_view end) {
    std::vector<std::string> out;
    Status s = store_->ScanRange(f, begin, end, [&](std::string_view k, std::string_view) {
      out.emplace_back(k);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  std::vector<std::string> Prefixed(Family f, std::string_view prefix) {
    std::vector<std::string> out;
    Status s = store_->ScanPrefix(f, prefix, [&](std::string_view k, std::string_view) {
      out.emplace_back(k);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  std::optional<std::string> Value(Family f, std::string_view key) {
    auto v = store_->Get(f, key);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : std::nullopt;
  }

  ScratchDir dir_;
  std::optional<ScratchSchema> schema_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContractTest, FamiliesAreSeparateKeyspaces) {
  WriteBatch b;
  b.Put(Family::kEvents, "k", "event");
  b.Put(Family::kProducts, "k", "product");
  ASSERT_TRUE(store_->Write(b).ok());
  EXPECT_EQ(Value(Family::kEvents, "k"), "event");
  EXPECT_EQ(Value(Family::kProducts, "k"), "product");
  EXPECT_EQ(Value(Family::kStores, "k"), std::nullopt);
}

TEST_P(StoreContractTest, KeysAndValuesAreBytesOrderedBytewise) {
  using namespace std::string_literals;
  const std::vector<std::string> keys = {"\x00"s,  "\x00\x00"s, "a"s,         "a\x00"s, "a\x7f"s,
                                         "a\x80"s, "a\xff"s,    "a\xff\xff"s, "b"s,     "\xff"s};
  WriteBatch b;
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) b.Put(Family::kShoppers, *it, "v\x00"s + *it);
  ASSERT_TRUE(store_->Write(b).ok());
  EXPECT_EQ(Scanned(Family::kShoppers, "", ""), keys);
  EXPECT_EQ(Value(Family::kShoppers, "a\x00"s), "v\x00"s + "a\x00"s);
  EXPECT_EQ(Prefixed(Family::kShoppers, "a"), std::vector<std::string>(keys.begin() + 2, keys.begin() + 8));
  EXPECT_EQ(Prefixed(Family::kShoppers, "a\xff"s), (std::vector<std::string>{"a\xff"s, "a\xff\xff"s}));
  EXPECT_EQ(Prefixed(Family::kShoppers, "\xff"s), (std::vector<std::string>{"\xff"s}));
  EXPECT_EQ(Scanned(Family::kShoppers, "a\x7f"s, "b"),
            std::vector<std::string>(keys.begin() + 4, keys.begin() + 8));
}

TEST_P(StoreContractTest, ScansManyRowsInOrderAndStopWhenAsked) {
  WriteBatch b;
  for (int i = 0; i < 1500; ++i) b.Put(Family::kEvents, "e" + std::to_string(10000 + i), std::to_string(i));
  b.Put(Family::kEvents, "f", "after");
  ASSERT_TRUE(store_->Write(b).ok());
  EXPECT_EQ(Prefixed(Family::kEvents, "e").size(), 1500u);
  std::vector<std::string> first;
  ASSERT_TRUE(store_
                  ->ScanPrefix(Family::kEvents, "e",
                               [&](std::string_view k, std::string_view) {
                                 first.emplace_back(k);
                                 return first.size() < 300;
                               })
                  .ok());
  ASSERT_EQ(first.size(), 300u);
  EXPECT_EQ(first.back(), "e10299");
  Status failed = store_->ScanPrefix(
      Family::kEvents, "e",
      [&](std::string_view, std::string_view) -> Result<bool> { return Status(Code::kDataLoss, "bad row"); });
  EXPECT_EQ(failed.code(), Code::kDataLoss);
}

// Prefix after prefix in the order asked, each in key order, across the
// pages a server answers in (600 rows under "m", exactly a page's 256
// under "p"), through the store and a reader; stopping stops them all.
TEST_P(StoreContractTest, ScansSeveralPrefixesInTheOrderAsked) {
  using namespace std::string_literals;
  WriteBatch b;
  for (int i = 0; i < 600; ++i) b.Put(Family::kEvents, "m" + std::to_string(1000 + i), "");
  for (int i = 0; i < 256; ++i) b.Put(Family::kEvents, "p" + std::to_string(1000 + i), "");
  for (const char* k : {"a1", "a2", "a", "z9", "m", "\xff\x01"}) b.Put(Family::kEvents, k, k);
  ASSERT_TRUE(store_->Write(b).ok());
  const std::vector<std::string> prefixes = {"z", "m", "nothing", "a"};
  std::vector<std::string> expected = {"z9", "m"};
  for (int i = 0; i < 600; ++i) expected.push_back("m" + std::to_string(1000 + i));
  expected.insert(expected.end(), {"a", "a1", "a2"});
  std::vector<std::string> seen, stopped;
  auto collect = [&](std::vector<std::string>& out, size_t stop_at) {
    return [&out, stop_at](std::string_view k, std::string_view) {
      out.emplace_back(k);
      return out.size() < stop_at;
    };
  };
  ASSERT_TRUE(store_->ScanPrefixes(Family::kEvents, prefixes, collect(seen, SIZE_MAX)).ok());
  EXPECT_EQ(seen, expected);
  ASSERT_TRUE(store_->ScanPrefixes(Family::kEvents, prefixes, collect(stopped, 400)).ok());
  EXPECT_EQ(stopped, std::vector<std::string>(expected.begin(), expected.begin() + 400));
  seen.clear();
  ASSERT_TRUE(store_->NewPrefixReader(Family::kEvents)->ScanEach({"a", "z"}, collect(seen, SIZE_MAX)).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "a1", "a2", "z9"}));
  seen.clear();
  ASSERT_TRUE(store_->ScanPrefixes(Family::kEvents, {"p", "a", "a"}, collect(seen, SIZE_MAX)).ok());
  ASSERT_EQ(seen.size(), 262u);
  EXPECT_EQ(std::vector<std::string>(seen.begin() + 255, seen.end()),
            (std::vector<std::string>{"p1255", "a", "a1", "a2", "a", "a1", "a2"}));
  stopped.clear();
  ASSERT_TRUE(store_->ScanPrefixes(Family::kEvents, {"z", "a"}, collect(stopped, 2)).ok());
  EXPECT_EQ(stopped, (std::vector<std::string>{"z9", "a"}));
  seen.clear();
  ASSERT_TRUE(store_->ScanPrefixes(Family::kEvents, {}, collect(seen, SIZE_MAX)).ok());
  EXPECT_TRUE(seen.empty());
  seen.clear();  // a prefix with no upper bound
  ASSERT_TRUE(store_->ScanPrefixes(Family::kEvents, {"\xff"s, "a"}, collect(seen, SIZE_MAX)).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"\xff\x01"s, "a", "a1", "a2"}));
  Status failed = store_->ScanPrefixes(
      Family::kEvents, {"z", "a"},
      [&](std::string_view, std::string_view) -> Result<bool> { return Status(Code::kDataLoss, "bad row"); });
  EXPECT_EQ(failed.code(), Code::kDataLoss);
}

TEST_P(StoreContractTest, ABatchAppliesItsOperationsInOrder) {
  WriteBatch setup;
  setup.Put(Family::kConsent, "a1", "old");
  setup.Put(Family::kConsent, "a2", "old");
  setup.Put(Family::kConsent, "b1", "old");
  ASSERT_TRUE(store_->Write(setup).ok());
  WriteBatch b;
  b.Put(Family::kConsent, "x", "1");
  b.Delete(Family::kConsent, "x");  // put then delete: gone
  b.Delete(Family::kConsent, "b1");
  b.Put(Family::kConsent, "b1", "new");  // delete then put: there
  b.Put(Family::kConsent, "a3", "gone");
  b.DeleteRange(Family::kConsent, "a", "b");
  b.Put(Family::kConsent, "a2", "after");  // after the range delete: kept
  ASSERT_TRUE(store_->Write(b).ok());
  EXPECT_EQ(Scanned(Family::kConsent, "", ""), (std::vector<std::string>{"a2", "b1"}));
  EXPECT_EQ(Value(Family::kConsent, "a2"), "after");
  EXPECT_EQ(Value(Family::kConsent, "b1"), "new");
}

TEST_P(StoreContractTest, ContainsAnswersPerKey) {
  WriteBatch b;
  b.Put(Family::kIdentity, "p1", "s1");
  b.Put(Family::kIdentity, "p3", "s3");
  ASSERT_TRUE(store_->Write(b).ok());
  std::vector<bool> found;
  ASSERT_TRUE(store_->Contains(Family::kIdentity, {"p1", "p2", "p3", "p1"}, found).ok());
  EXPECT_EQ(found, (std::vector<bool>{true, false, true, true}));
  ASSERT_TRUE(store_->Contains(Family::kIdentity, {}, found).ok());
  EXPECT_TRUE(found.empty());
}

TEST_P(StoreContractTest, GetManyAnswersPerKey) {
  WriteBatch b;
  b.Put(Family::kIdentity, "p1", "s1");
  b.Put(Family::kIdentity, "p3", "s3");
  ASSERT_TRUE(store_->Write(b).ok());
  auto values = store_->GetMany(Family::kIdentity, {"p1", "p2", "p3", "p1"});
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(*values, (std::vector<std::optional<std::string>>{"s1", std::nullopt, "s3", "s1"}));
}

TEST_P(StoreContractTest, BufferedWritesAreReadableAndSynced) {
  WriteBatch b;
  b.Put(Family::kEvents, "buffered", "v");
  ASSERT_TRUE(store_->Write(b, Durability::kBuffered).ok());
  EXPECT_EQ(Value(Family::kEvents, "buffered"), "v");
  EXPECT_TRUE(store_->Sync().ok());
  EXPECT_TRUE(store_->Health().ok());
}

TEST_P(StoreContractTest, IngestSortedAddsRowsLastAddedWinning) {
  WriteBatch b;
  b.Put(Family::kProducts, "p00000", "before");
  b.Put(Family::kProducts, "zz", "untouched");
  ASSERT_TRUE(store_->Write(b).ok());
  SortedRows rows, stores;
  for (int i = 4999; i >= 0; --i) {
    char key[8];
    std::snprintf(key, sizeof key, "p%05d", i);
    rows.Add(key, "first");
    if (i % 1000 == 0) rows.Add(key, "second");
  }
  stores.Add("s1", "store");
  rows.Sort();
  stores.Sort();
  ASSERT_TRUE(store_->IngestSorted({{Family::kProducts, &rows}, {Family::kStores, &stores}}).ok());
  EXPECT_EQ(Prefixed(Family::kProducts, "p").size(), 5000u);
  EXPECT_EQ(Value(Family::kProducts, "p00000"), "second");
  EXPECT_EQ(Value(Family::kProducts, "p00001"), "first");
  EXPECT_EQ(Value(Family::kProducts, "zz"), "untouched");
  EXPECT_EQ(Value(Family::kStores, "s1"), "store");
}

TEST_P(StoreContractTest, AScanMayWriteToTheStore) {
  WriteBatch b;
  for (int i = 0; i < 600; ++i) b.Put(Family::kInventory, "i" + std::to_string(1000 + i), "x");
  ASSERT_TRUE(store_->Write(b).ok());
  size_t seen = 0;
  ASSERT_TRUE(store_
                  ->ScanPrefix(Family::kInventory, "i",
                               [&](std::string_view k, std::string_view) -> Result<bool> {
                                 ++seen;
                                 WriteBatch copy;
                                 copy.Put(Family::kStock, k, "copied");
                                 CONFIDE_RETURN_IF_ERROR(store_->Write(copy));
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(seen, 600u);
  EXPECT_EQ(Prefixed(Family::kStock, "i").size(), 600u);
}

TEST_P(StoreContractTest, ConcurrentWritersAllLand) {
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        WriteBatch b;
        b.Put(Family::kAudit, "t" + std::to_string(t) + "-" + std::to_string(100 + i), "entry");
        EXPECT_TRUE(store_->Write(b).ok());
      }
    });
  for (auto& w : writers) w.join();
  EXPECT_EQ(Prefixed(Family::kAudit, "t").size(), 320u);
  EXPECT_GE(store_->Counter("wal_syncs"), 1u);
}

TEST_P(StoreContractTest, ABatchIsWrittenOnlyWhileItsExpectationsHold) {
  WriteBatch first;
  first.Expect(Family::kMeta, "version", std::nullopt);
  first.Put(Family::kMeta, "version", "1");
  first.Put(Family::kEvents, "a", "1");
  ASSERT_TRUE(store_->Write(first).ok());
  // The same expectation again: the row exists now, so nothing is written.
  WriteBatch stale = first;
  stale.Put(Family::kEvents, "b", "2");
  Status refused = store_->Write(stale);
  EXPECT_EQ(refused.code(), Code::kFailedPrecondition) << refused.ToString();
  EXPECT_EQ(Value(Family::kEvents, "b"), std::nullopt);
  WriteBatch wrong_value;
  wrong_value.Expect(Family::kMeta, "version", "2");
  wrong_value.Put(Family::kEvents, "c", "3");
  EXPECT_EQ(store_->Write(wrong_value).code(), Code::kFailedPrecondition);
  EXPECT_EQ(Value(Family::kEvents, "c"), std::nullopt);
  WriteBatch current;
  current.Expect(Family::kMeta, "version", "1");
  current.Put(Family::kEvents, "d", "4");
  EXPECT_TRUE(store_->Write(current).ok());
  EXPECT_EQ(Value(Family::kEvents, "d"), "4");
}

// Writers that each read a counter and expect it while moving it on: of
// those that raced, one wins each step, and no step is lost or taken twice.
TEST_P(StoreContractTest, ExpectationsMakeACounterThatConcurrentWritersMoveOneStepEach) {
  std::atomic<int> moved{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&] {
      for (int done = 0; done < 10;) {
        auto now = store_->Get(Family::kMeta, "counter");
        ASSERT_TRUE(now.ok());
        const int n = now->has_value() ? std::stoi(**now) : 0;
        WriteBatch b;
        b.Expect(Family::kMeta, "counter",
                 now->has_value() ? std::optional<std::string_view>(**now) : std::nullopt);
        b.Put(Family::kMeta, "counter", std::to_string(n + 1));
        b.Put(Family::kAudit, std::to_string(1000 + n), "step");
        Status s = store_->Write(b);
        if (s.ok())
          ++done, ++moved;
        else
          ASSERT_EQ(s.code(), Code::kFailedPrecondition) << s.ToString();
      }
    });
  for (auto& w : writers) w.join();
  EXPECT_EQ(moved.load(), 40);
  EXPECT_EQ(Value(Family::kMeta, "counter"), "40");
  EXPECT_EQ(Prefixed(Family::kAudit, "1").size(), 40u);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest, ::testing::Values("rocksdb", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace confide
