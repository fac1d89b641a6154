#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "core/scratch_dir.h"
#include "store/store.h"

namespace confide {
namespace {

class RocksDbStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (scratch_.path() / "store").string();  // its lock and the files tests move aside go beside it
  }

  std::unique_ptr<Store> OpenOrDie() {
    auto s = OpenRocksDbStore(dir_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  std::vector<std::string> Keys(Store& s, Family f, std::string_view prefix) {
    std::vector<std::string> out;
    EXPECT_TRUE(s.ScanPrefix(f, prefix, [&](std::string_view k, std::string_view) {
      out.emplace_back(k);
      return true;
    }).ok());
    return out;
  }

  ScratchDir scratch_;
  std::string dir_;
};

TEST_F(RocksDbStoreTest, FamiliesAreSeparateKeyspaces) {
  auto s = OpenOrDie();
  WriteBatch b;
  b.Put(Family::kEvents, "k", "event");
  b.Put(Family::kProducts, "k", "product");
  ASSERT_TRUE(s->Write(b).ok());
  EXPECT_EQ(**s->Get(Family::kEvents, "k"), "event");
  EXPECT_EQ(**s->Get(Family::kProducts, "k"), "product");
  EXPECT_FALSE(s->Get(Family::kStores, "k")->has_value());
}

TEST_F(RocksDbStoreTest, ScansInKeyOrderWithinPrefixAndRange) {
  auto s = OpenOrDie();
  WriteBatch b;
  for (const char* k : {"a/3", "a/1", "b/1", "a/2", "a"}) b.Put(Family::kEvents, k, k);
  ASSERT_TRUE(s->Write(b).ok());
  EXPECT_EQ(Keys(*s, Family::kEvents, "a/"), (std::vector<std::string>{"a/1", "a/2", "a/3"}));
  // Prefixes ending in 0xff bytes (binary pseudonyms do): the scan's upper bound carries.
  const std::string ff = "c\xff", ff2 = "c\xff\xff", ff_x = "c\xff\x01", next = "d";
  WriteBatch binary;
  for (const std::string& k : {ff, ff2, ff_x, next, std::string("c\xfe")}) binary.Put(Family::kEvents, k, "v");
  ASSERT_TRUE(s->Write(binary).ok());
  EXPECT_EQ(Keys(*s, Family::kEvents, ff), (std::vector<std::string>{ff, ff_x, ff2}));
  EXPECT_EQ(Keys(*s, Family::kEvents, ff2), (std::vector<std::string>{ff2}));
  std::vector<std::string> range;
  ASSERT_TRUE(s->ScanRange(Family::kEvents, "a/2", "b", [&](std::string_view k, std::string_view) {
    range.emplace_back(k);
    return true;
  }).ok());
  EXPECT_EQ(range, (std::vector<std::string>{"a/2", "a/3"}));
  int visited = 0;
  ASSERT_TRUE(s->ScanPrefix(Family::kEvents, "", [&](std::string_view, std::string_view) {
    return ++visited < 2;
  }).ok());
  EXPECT_EQ(visited, 2) << "returning false stops the scan";
}

// The reader answers each prefix as ScanPrefix does, in any order of
// prefixes, and sees writes made while it is in use once its view renews.
TEST_F(RocksDbStoreTest, PrefixReaderAnswersAsScanPrefix) {
  auto s = OpenOrDie();
  WriteBatch b;
  for (int shopper = 0; shopper < 40; ++shopper)
    for (int e = 0; e < shopper % 4; ++e)
      b.Put(Family::kEvents, "s" + std::to_string(100 + shopper) + "/" + std::to_string(e), "v");
  b.Put(Family::kIdentity, "s120/other-family", "v");
  ASSERT_TRUE(s->Write(b).ok());
  auto reader = s->NewPrefixReader(Family::kEvents);
  auto read = [&](const std::string& prefix) {
    std::vector<std::string> out;
    EXPECT_TRUE(reader->Scan(prefix, [&](std::string_view k, std::string_view) {
      out.emplace_back(k);
      return true;
    }).ok());
    return out;
  };
  std::vector<std::string> order;
  for (int shopper = 39; shopper >= 0; --shopper) order.push_back("s" + std::to_string(100 + shopper) + "/");
  std::swap(order[3], order[30]);
  for (const auto& prefix : order) EXPECT_EQ(read(prefix), Keys(*s, Family::kEvents, prefix)) << prefix;
  std::sort(order.begin(), order.end());  // each scan starts where the last ended
  for (const auto& prefix : order) EXPECT_EQ(read(prefix), Keys(*s, Family::kEvents, prefix)) << prefix;
  read("s103/");  // ends on s105/0, which starts "s10"
  EXPECT_EQ(read("s10"), Keys(*s, Family::kEvents, "s10")) << "a shorter prefix after a scan of a longer one";
  read("s105/");
  EXPECT_EQ(read(""), Keys(*s, Family::kEvents, "")) << "every key, after a scan ended";
  EXPECT_EQ(read("s120/").size(), 0u) << "another family's key";
  EXPECT_EQ(read("s9"), std::vector<std::string>());

  int taken = 0;
  EXPECT_TRUE(reader->Scan("s103/", [&](std::string_view, std::string_view) { return ++taken < 2; }).ok());
  EXPECT_EQ(read("s103/"), Keys(*s, Family::kEvents, "s103/")) << "after a scan stopped early";
  auto failed = reader->Scan("s103/", [&](std::string_view, std::string_view) -> Result<bool> {
    return Status(Code::kDataLoss, "bad record");
  });
  EXPECT_EQ(failed.code(), Code::kDataLoss);

  WriteBatch later;
  later.Put(Family::kEvents, "s999/0", "v");
  ASSERT_TRUE(s->Write(later).ok());
  bool seen = false;
  for (int i = 0; i < 2048 && !seen; ++i) seen = !read("s999/").empty();
  EXPECT_TRUE(seen) << "the reader's view never renewed";
}

TEST_F(RocksDbStoreTest, DeletesAndDeleteRange) {
  auto s = OpenOrDie();
  WriteBatch b;
  for (const char* k : {"s1/a", "s1/b", "s2/a"}) b.Put(Family::kEvents, k, "v");
  ASSERT_TRUE(s->Write(b).ok());
  WriteBatch d;
  d.DeleteRange(Family::kEvents, "s1/", "s1/\xff");
  d.Delete(Family::kEvents, "missing");
  ASSERT_TRUE(s->Write(d).ok());
  EXPECT_EQ(Keys(*s, Family::kEvents, ""), (std::vector<std::string>{"s2/a"}));
}

TEST_F(RocksDbStoreTest, ContainsAnswersPerKey) {
  auto s = OpenOrDie();
  const std::string x(16, 'x'), y(16, 'y'), z(16, 'z');
  WriteBatch b;
  b.Put(Family::kEvents, x, "");
  ASSERT_TRUE(s->Write(b).ok());
  std::vector<bool> found;
  ASSERT_TRUE(s->Contains(Family::kEvents, {y, x, z}, found).ok());
  EXPECT_EQ(found, (std::vector<bool>{false, true, false}));
  ASSERT_TRUE(s->CompactAll().ok());  // and from SST files
  ASSERT_TRUE(s->Contains(Family::kEvents, {y, x, z}, found).ok());
  EXPECT_EQ(found, (std::vector<bool>{false, true, false}));
}

TEST_F(RocksDbStoreTest, SurvivesReopenAndRefusesSecondOpener) {
  {
    auto s = OpenOrDie();
    WriteBatch b;
    b.Put(Family::kMeta, "version", "1");
    ASSERT_TRUE(s->Write(b).ok());
    auto second = OpenRocksDbStore(dir_);
    ASSERT_FALSE(second.ok()) << "the directory is locked by the first store";
    EXPECT_NE(second.status().message().find(dir_), std::string::npos);
    EXPECT_EQ(second.status().code(), Code::kUnavailable) << "callers tell a lock by its code";
  }
  auto s = OpenOrDie();
  EXPECT_EQ(**s->Get(Family::kMeta, "version"), "1");
}

TEST_F(RocksDbStoreTest, ConcurrentSyncWritersShareSyncs) {
  auto s = OpenOrDie();
  constexpr int kThreads = 8, kWrites = 100;
  uint64_t syncs_before = s->Counter("wal_syncs");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        WriteBatch b;
        b.Put(Family::kEvents, std::to_string(t) + "/" + std::to_string(i), "v");
        if (!s->Write(b, Durability::kSync).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  uint64_t syncs = s->Counter("wal_syncs") - syncs_before;
  EXPECT_GT(syncs, 0u) << "synchronous writes must sync the WAL";
  EXPECT_LT(syncs, static_cast<uint64_t>(kThreads * kWrites)) << "group commit shares syncs";
  EXPECT_EQ(Keys(*s, Family::kEvents, "").size(), static_cast<size_t>(kThreads * kWrites));
}

TEST_F(RocksDbStoreTest, CompactAllKeepsLiveData) {
  auto s = OpenOrDie();
  WriteBatch b;
  b.Put(Family::kEvents, "keep", "1");
  b.Put(Family::kEvents, "drop", "2");
  ASSERT_TRUE(s->Write(b).ok());
  WriteBatch d;
  d.Delete(Family::kEvents, "drop");
  ASSERT_TRUE(s->Write(d).ok());
  ASSERT_TRUE(s->CompactAll().ok());
  EXPECT_EQ(Keys(*s, Family::kEvents, ""), (std::vector<std::string>{"keep"}));
}

// A file size limit on this process makes every write fail, as a full disk
// would: the store says so (Health) and refuses writes, closes and reopens
// (read-only while it cannot reopen to write) under the readers and
// writers of other threads without a crash, reads what it held all along,
// and takes writes again once the limit is lifted, losing nothing.
TEST_F(RocksDbStoreTest, WritesFailingUnderAFileSizeLimitRecoverOnceItIsLifted) {
  auto store = OpenOrDie();
  WriteBatch held;
  for (int i = 0; i < 2000; ++i) held.Put(Family::kEvents, "k" + std::to_string(10000 + i), std::string(200, 'v'));
  ASSERT_TRUE(store->Write(held).ok());
  ASSERT_TRUE(store->Health().ok());

  ::signal(SIGXFSZ, SIG_IGN);
  rlimit normal{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &normal), 0);
  rlimit limited = normal;
  limited.rlim_cur = 4096;  // less than the write-ahead log holds already
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);

  std::atomic<bool> stop{false};
  std::atomic<int> written{0}, lost_reads{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int n = 0; !stop.load(); ++n) {
        WriteBatch b;
        b.Put(Family::kEvents, "w" + std::to_string(t) + "-" + std::to_string(n), "x");
        if (store->Write(b).ok()) written.fetch_add(1);
      }
    });
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      std::vector<bool> found;
      while (!stop.load()) {
        auto got = store->Get(Family::kEvents, "k10007");
        if (!got.ok() || !got->has_value()) lost_reads.fetch_add(1);
        if (!store->Contains(Family::kEvents, {"k10008"}, found).ok() || !found[0]) lost_reads.fetch_add(1);
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));  // several attempts to recover
  EXPECT_EQ(store->Health().code(), Code::kUnavailable);
  const int written_while_limited = written.load();
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &normal), 0);
  bool recovered = false;
  for (int n = 0; n < 100 && !recovered; ++n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    recovered = written.load() > written_while_limited + 10;
  }
  stop.store(true);
  for (auto& t : threads) t.join();
  EXPECT_EQ(written_while_limited, 0) << "a write was acknowledged that could not be stored";
  EXPECT_EQ(lost_reads.load(), 0) << "reads failed or lost data while writes failed";
  ASSERT_TRUE(recovered) << "writes still refused after the limit was lifted";
  EXPECT_TRUE(store->Health().ok());

  store.reset();
  store = OpenOrDie();
  EXPECT_EQ(Keys(*store, Family::kEvents, "k").size(), 2000u);
}

// RocksDB's background threads held busy (as when a disk too full for a
// compaction leaves flushes waiting) make it stop writes once its memtables
// are full: a write is refused as unavailable after a short wait instead of
// blocking its caller until the threads are free, the store says so
// (Health), and writes go on once the threads are free, losing nothing.
std::atomic<bool> release_background{false};
std::atomic<int> background_held{0};
void HoldBackgroundThread(void*) {
  background_held.fetch_add(1);
  while (!release_background.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

TEST_F(RocksDbStoreTest, AWriteStallIsRefusedAsUnavailableNotWaitedOutForever) {
  RocksDbOptions options;
  options.write_buffer_bytes = 64 << 10;
  auto opened = OpenRocksDbStore(dir_, options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto store = std::move(opened).value();
  rocksdb::Env* env = rocksdb::Env::Default();
  int threads = 0;
  for (auto pool : {rocksdb::Env::Priority::LOW, rocksdb::Env::Priority::HIGH}) {
    const int n = env->GetBackgroundThreads(pool);
    for (int i = 0; i < n; ++i) env->Schedule(&HoldBackgroundThread, nullptr, pool);
    threads += n;
  }
  while (background_held.load() < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  // Written from another thread, so that a write blocked for good fails
  // the test instead of hanging it.
  auto writes = std::async(std::launch::async, [&] {
    int acknowledged = 0;
    for (; acknowledged < 1000; ++acknowledged) {
      WriteBatch b;
      b.Put(Family::kProducts, "s" + std::to_string(1000 + acknowledged), std::string(16 << 10, 'v'));
      Status s = store->Write(b);
      if (!s.ok()) {
        EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
        break;
      }
    }
    return acknowledged;
  });
  const bool answered = writes.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
  const Status health = store->Health();
  // The next writer is not kept waiting as the first was.
  WriteBatch next;
  next.Put(Family::kProducts, "n", "x");
  const auto started = std::chrono::steady_clock::now();
  const Status refused = store->Write(next);
  const auto waited = std::chrono::steady_clock::now() - started;
  release_background.store(true);
  ASSERT_TRUE(answered) << "a write waited for the busy background threads";
  const int acknowledged = writes.get();
  EXPECT_LT(acknowledged, 1000) << "no stall: the test does not hold RocksDB's threads";
  EXPECT_EQ(health.code(), Code::kUnavailable) << health.ToString();
  EXPECT_EQ(refused.code(), Code::kUnavailable) << refused.ToString();
  EXPECT_LT(waited, std::chrono::milliseconds(1000)) << "a second writer waited out the stall again";

  // Once the background threads run again, writes go through (a client
  // retries after the Retry-After it was given).
  WriteBatch after;
  after.Put(Family::kProducts, "t", "x");
  Status written = store->Write(after);
  for (int i = 0; !written.ok() && i < 300; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    written = store->Write(after);
  }
  EXPECT_TRUE(written.ok()) << written.ToString();
  EXPECT_TRUE(store->Health().ok());
  EXPECT_EQ(Keys(*store, Family::kProducts, "s").size(), static_cast<size_t>(acknowledged));
}

// Acknowledged writes not yet in a table file are in the write-ahead log
// alone: a store whose log was removed or cut short is refused at open,
// naming the logs, instead of opening without those writes; the log put
// back, it opens whole.
TEST_F(RocksDbStoreTest, AWriteAheadLogRemovedOrCutShortIsRefusedAtOpen) {
  {
    auto s = OpenOrDie();
    for (int i = 0; i < 200; ++i) {
      WriteBatch b;
      b.Put(Family::kConsent, "c" + std::to_string(1000 + i), std::string(1024, 'v'));
      ASSERT_TRUE(s->Write(b, Durability::kSync).ok());
    }
  }
  std::filesystem::path log;
  for (const auto& f : std::filesystem::directory_iterator(dir_))
    if (f.path().extension() == ".log" && (log.empty() || f.file_size() > std::filesystem::file_size(log))) log = f.path();
  ASSERT_FALSE(log.empty());
  const auto size = std::filesystem::file_size(log);
  ASSERT_GT(size, 200'000u) << "the writes are in the log, not in a table file";
  const std::string kept = dir_ + ".log";
  std::filesystem::copy_file(log, kept, std::filesystem::copy_options::overwrite_existing);

  auto expect_refused = [&](const char* what) {
    auto opened = OpenRocksDbStore(dir_);
    ASSERT_FALSE(opened.ok()) << what << ": opened without the writes";
    EXPECT_EQ(opened.status().code(), Code::kDataLoss) << opened.status().ToString();
    EXPECT_NE(opened.status().message().find("*.log"), std::string::npos) << opened.status().ToString();
  };
  std::filesystem::resize_file(log, size / 2);
  expect_refused("cut short");
  std::filesystem::remove(log);
  expect_refused("removed");

  std::filesystem::copy_file(kept, log);
  std::filesystem::remove(kept);
  // A floor that is not one is an error naming it, never a crash.
  const std::string floor = dir_ + "/SEQUENCE_FLOOR", held = dir_ + ".floor";
  std::filesystem::rename(floor, held);
  for (const char* bad : {"", "-3\n", "12 13\n", "99999999999999999999999\n"}) {
    std::ofstream(floor, std::ios::trunc) << bad;
    auto opened = OpenRocksDbStore(dir_);
    EXPECT_EQ(opened.status().code(), Code::kDataLoss) << "\"" << bad << "\"";
    EXPECT_NE(opened.status().message().find("SEQUENCE_FLOOR"), std::string::npos) << opened.status().ToString();
  }
  std::filesystem::remove(floor);
  std::filesystem::create_directory(floor);
  EXPECT_EQ(OpenRocksDbStore(dir_).status().code(), Code::kDataLoss);
  std::filesystem::remove(floor);
  std::filesystem::rename(held, floor);
  auto s = OpenOrDie();
  EXPECT_EQ(Keys(*s, Family::kConsent, "c").size(), 200u);
}

// Without CURRENT RocksDB would make a new database over the old one's
// files, and delete them at the next open: refused, nothing changed.
TEST_F(RocksDbStoreTest, ADatabaseWithoutCurrentIsRefusedNotMadeAnew) {
  {
    auto s = OpenOrDie();
    WriteBatch b;
    b.Put(Family::kConsent, "c", "v");
    ASSERT_TRUE(s->Write(b, Durability::kSync).ok());
  }
  const std::string current = dir_ + "/CURRENT", kept = dir_ + ".current";
  std::filesystem::rename(current, kept);
  auto files = [&] {
    std::vector<std::string> names;
    for (const auto& f : std::filesystem::directory_iterator(dir_)) names.push_back(f.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  const auto before = files();
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto opened = OpenRocksDbStore(dir_);
    ASSERT_FALSE(opened.ok()) << "a new database over the old one's files";
    EXPECT_EQ(opened.status().code(), Code::kDataLoss);
    EXPECT_NE(opened.status().message().find("CURRENT: missing"), std::string::npos) << opened.status().ToString();
  }
  EXPECT_EQ(files(), before);
  std::filesystem::rename(kept, current);
  {
    auto s = OpenOrDie();
    EXPECT_EQ(**s->Get(Family::kConsent, "c"), "v");
  }
  // Nor is a new one made where a restore is replacing the database.
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + ".restoring") << "20261205T000000Z-00000000\n";
  auto during = OpenRocksDbStore(dir_);
  EXPECT_EQ(during.status().code(), Code::kUnavailable) << during.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(current)) << "a database made under a restore";
  std::filesystem::remove(dir_ + ".restoring");
}

TEST(SortedRowsTest, SortsByKeyKeepingEqualKeysInOrderOfAddition) {
  SortedRows rows;
  rows.Add("b", "1");
  rows.Add("a-longer-than-eight-bytes-2", "2");
  rows.Add("a-longer-than-eight-bytes-1", "3");
  SortedRows more;
  more.Add("b", "4");
  more.Add("", "5");
  rows.Append(std::move(more));
  EXPECT_TRUE(more.empty());
  rows.Sort();
  std::vector<std::string> seen;
  rows.ForEach([&](std::string_view k, std::string_view v) { seen.push_back(std::string(k) + "=" + std::string(v)); });
  EXPECT_EQ(seen, (std::vector<std::string>{"=5", "a-longer-than-eight-bytes-1=3", "a-longer-than-eight-bytes-2=2",
                                            "b=1", "b=4"}));
}

TEST_F(RocksDbStoreTest, IngestSortedIsDurableAtomicAndLastWins) {
  {
    auto s = OpenOrDie();
    WriteBatch b;
    b.Put(Family::kEvents, "k2", "old");
    ASSERT_TRUE(s->Write(b, Durability::kBuffered).ok());
    ASSERT_TRUE(s->BeginBulkLoad(Family::kEvents).ok());
    SortedRows events, ids, none;
    events.Add("k3", "c");
    events.Add("k2", "b");
    events.Add("k1", "a");
    events.Add("k1", "a2");
    ids.Add("i1", "x");
    events.Sort();
    ids.Sort();
    ASSERT_TRUE(
        s->IngestSorted({{Family::kEvents, &events}, {Family::kIdentity, &ids}, {Family::kShoppers, &none}}).ok());
    EXPECT_EQ(**s->Get(Family::kEvents, "k1"), "a2") << "of equal keys the last added";
    EXPECT_EQ(**s->Get(Family::kEvents, "k2"), "b") << "the file is newer than the memtable";
    ASSERT_TRUE(s->EndBulkLoad(Family::kEvents, true).ok());  // compacts
  }
  std::filesystem::create_directories(dir_ + "/bulk");
  std::ofstream(dir_ + "/bulk/7.sst") << "left by a crash";
  auto s = OpenOrDie();
  EXPECT_EQ(Keys(*s, Family::kEvents, ""), (std::vector<std::string>{"k1", "k2", "k3"}));
  EXPECT_EQ(**s->Get(Family::kIdentity, "i1"), "x");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/bulk/7.sst")) << "leftovers of an unfinished load are removed";
}

}  // namespace
}  // namespace confide
