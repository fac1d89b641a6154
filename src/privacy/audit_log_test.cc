#include "privacy/audit_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <limits>
#include <thread>

#include "core/bytes.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

constexpr Micros kT0 = 1'714'560'000'000'000;  // 2024-05-01T10:40:00Z
const std::string kAlice(32, 'a');             // pseudonyms: hex of a shopper key
const std::string kBob(32, 'b');

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (scratch_.path() / "store").string();
    OpenStore();
  }
  void TearDown() override {
    log_.reset();
    store_.reset();
  }

  void OpenStore() {
    auto s = OpenRocksDbStore(dir_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    Reopen();
  }
  // A fresh AuditLog over the same store, as after a restart or in the CLI.
  void Reopen() {
    log_.reset();
    auto l = AuditLog::Open(*store_);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    log_ = std::move(l).value();
  }

  // Appends n records, record i at kT0 + i seconds, alternating subjects.
  void AppendN(int n) {
    for (int i = 0; i < n; ++i) {
      uint64_t seq = log_->last_seq() + 1;
      auto e =
          log_->Append(AuditAction::kProfileRead, "key1", "personalization", seq % 2 ? kAlice : kBob,
                       "events=" + std::to_string(seq), kT0 + static_cast<Micros>(seq) * kMicrosPerSecond);
      ASSERT_TRUE(e.ok()) << e.status().ToString();
    }
  }

  AuditEntry Record(uint64_t seq) {
    auto v = store_->Get(Family::kAudit, AuditKey(seq));
    EXPECT_TRUE(v.ok() && v->has_value()) << "record " << seq;
    auto e = DecodeAuditEntry(**v);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return *e;
  }
  void Put(Family f, std::string_view key, std::string_view value) {
    WriteBatch b;
    b.Put(f, key, value);
    ASSERT_TRUE(store_->Write(b).ok());
  }
  void Delete(Family f, std::string_view key) {
    WriteBatch b;
    b.Delete(f, key);
    ASSERT_TRUE(store_->Write(b).ok());
  }

  AuditLog::Verification VerifyFresh() {
    Reopen();
    auto v = log_->Verify();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return *v;
  }

  ScratchDir scratch_;
  std::string dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogTest, EmptyLogVerifies) {
  auto v = VerifyFresh();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 0u);
  EXPECT_EQ(v.head_hash, std::string(32, '\0'));
  EXPECT_EQ(log_->last_seq(), 0u);
}

TEST_F(AuditLogTest, AppendChainsRecordsAndContinuesAfterReopen) {
  auto first = log_->Append(AuditAction::kConsentChange, "key1", "marketing", kAlice, "granted", kT0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->seq, 1u);
  EXPECT_EQ(first->prev_hash, std::string(32, '\0'));
  EXPECT_EQ(first->hash, ComputeAuditHash(*first));
  auto second = log_->Append(AuditAction::kExport, "key1", "", kAlice, "rows=12", kT0 + 1);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->seq, 2u);
  EXPECT_EQ(second->prev_hash, first->hash);

  // Close the store entirely: the chain must be durable and resume.
  log_.reset();
  store_.reset();
  OpenStore();
  EXPECT_EQ(log_->last_seq(), 2u);
  auto third = log_->Append(AuditAction::kErasure, "cli", "", kAlice, "", kT0 + 2);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->seq, 3u);
  EXPECT_EQ(third->prev_hash, second->hash);

  auto stored = Record(2);
  EXPECT_EQ(stored.action, AuditAction::kExport);
  EXPECT_EQ(stored.details, "rows=12");
  EXPECT_EQ(stored.time, kT0 + 1);

  auto v = VerifyFresh();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 3u);
  EXPECT_EQ(v.head_hash, third->hash);
}

TEST_F(AuditLogTest, RejectsRawIdentifiersAsSubjects) {
  for (const std::string& bad :
       std::vector<std::string>{"alice@example.com", "12345", std::string(32, 'A'), std::string(31, 'a')}) {
    auto e = log_->Append(AuditAction::kProfileRead, "key1", "personalization", bad, "", kT0);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.status().field(), "subject");
  }
  EXPECT_EQ(log_->last_seq(), 0u);
  EXPECT_FALSE(log_->Append(AuditAction::kExport, "key1", "", "", std::string(2000, 'x'), kT0).ok());
}

TEST_F(AuditLogTest, QueriesBySubjectAndTime) {
  AppendN(10);  // odd seqs Alice, even seqs Bob; record i at kT0 + i s
  auto alice = log_->Query(kAlice, 0, std::numeric_limits<Micros>::max(), 100);
  ASSERT_TRUE(alice.ok());
  ASSERT_EQ(alice->size(), 5u);
  for (size_t i = 0; i < alice->size(); ++i) {
    EXPECT_EQ((*alice)[i].seq, 2 * i + 1);
    EXPECT_EQ((*alice)[i].subject, kAlice);
  }
  auto window = log_->Query("", kT0 + 3 * kMicrosPerSecond, kT0 + 7 * kMicrosPerSecond, 100);
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 4u);  // [3, 7)
  EXPECT_EQ(window->front().seq, 3u);
  EXPECT_EQ(window->back().seq, 6u);
  auto bob_window = log_->Query(kBob, kT0 + 3 * kMicrosPerSecond, kT0 + 7 * kMicrosPerSecond, 100);
  ASSERT_TRUE(bob_window.ok());
  ASSERT_EQ(bob_window->size(), 2u);
  EXPECT_EQ(bob_window->front().seq, 4u);
  auto limited = log_->Query("", 0, std::numeric_limits<Micros>::max(), 3);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 3u);
  EXPECT_EQ(limited->back().seq, 3u);
}

TEST_F(AuditLogTest, JsonHasHexHashesAndRfc3339Time) {
  auto e = log_->Append(AuditAction::kAnalyticsQuery, "key1", "analytics", "", "epsilon=0.5", kT0);
  ASSERT_TRUE(e.ok());
  std::string json = AuditEntryToJson(*e);
  EXPECT_NE(json.find("\"time\":\"2024-05-01T10:40:00Z\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"action\":\"analytics_query\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"hash\":\"" + HexEncode(e->hash) + "\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"prev_hash\":\"" + std::string(64, '0') + "\""), std::string::npos) << json;
  EXPECT_EQ(ParseAuditAction("analytics_query"), AuditAction::kAnalyticsQuery);
  EXPECT_FALSE(ParseAuditAction("nope").has_value());
}

TEST_F(AuditLogTest, CodecRejectsTrailingAndNonCanonicalBytes) {
  auto e = log_->Append(AuditAction::kKeyOperation, "cli", "", "", "rotate", kT0);
  ASSERT_TRUE(e.ok());
  std::string value = EncodeAuditEntry(*e);
  ASSERT_TRUE(DecodeAuditEntry(value).ok());
  EXPECT_FALSE(DecodeAuditEntry(value + "x").ok());
  EXPECT_FALSE(DecodeAuditEntry(value.substr(0, value.size() - 1)).ok());
}

// --- Tampering: each edit goes straight to the store, then a fresh log verifies.

TEST_F(AuditLogTest, DetectsAlteredRecord) {
  AppendN(20);
  AuditEntry e = Record(7);
  e.details = "events=0";  // changed content, old hash
  Put(Family::kAudit, AuditKey(7), EncodeAuditEntry(e));
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 7u);
  EXPECT_EQ(v.records, 6u);
  EXPECT_EQ(v.problem, "record 7 altered: hash mismatch");
}

TEST_F(AuditLogTest, DetectsAlteredRecordWithRecomputedHash) {
  AppendN(20);
  AuditEntry e = Record(7);
  e.subject = kBob;
  e.hash = ComputeAuditHash(e);  // self-consistent, but record 8 links to the old hash
  Put(Family::kAudit, AuditKey(7), EncodeAuditEntry(e));
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 8u);
  EXPECT_NE(v.problem.find("record 8 does not link to record 7"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, DetectsRemovedRecord) {
  AppendN(20);
  Delete(Family::kAudit, AuditKey(12));
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 12u);
  EXPECT_EQ(v.problem, "record 12 missing");
}

TEST_F(AuditLogTest, DetectsRemovedFirstRecord) {
  AppendN(5);
  Delete(Family::kAudit, AuditKey(1));
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.problem, "record 1 missing");
}

TEST_F(AuditLogTest, DetectsSwappedRecords) {
  AppendN(20);
  std::string v9 = **store_->Get(Family::kAudit, AuditKey(9));
  std::string v14 = **store_->Get(Family::kAudit, AuditKey(14));
  WriteBatch b;
  b.Put(Family::kAudit, AuditKey(9), v14);
  b.Put(Family::kAudit, AuditKey(14), v9);
  ASSERT_TRUE(store_->Write(b).ok());
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 9u);
  EXPECT_EQ(v.problem, "record 9 out of order: holds record 14");
}

TEST_F(AuditLogTest, DetectsSwappedRecordsRenumbered) {
  // A careful forger swaps two records and renumbers them with fresh hashes:
  // each is self-consistent, but the links break.
  AppendN(20);
  AuditEntry a = Record(9), b = Record(10);
  std::swap(a.seq, b.seq);
  a.hash = ComputeAuditHash(a);
  b.hash = ComputeAuditHash(b);
  WriteBatch batch;
  batch.Put(Family::kAudit, AuditKey(a.seq), EncodeAuditEntry(a));
  batch.Put(Family::kAudit, AuditKey(b.seq), EncodeAuditEntry(b));
  ASSERT_TRUE(store_->Write(batch).ok());
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 9u);
  EXPECT_NE(v.problem.find("record 9 does not link to record 8"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, DetectsInsertedRecordWithForgedLink) {
  AppendN(20);
  // Shift records 10..20 up by one and put a forged record at 10.
  WriteBatch b;
  for (uint64_t seq = 20; seq >= 10; --seq)
    b.Put(Family::kAudit, AuditKey(seq + 1), **store_->Get(Family::kAudit, AuditKey(seq)));
  AuditEntry forged = Record(10);
  forged.details = "forged";
  forged.prev_hash = std::string(32, 'x');
  forged.hash = ComputeAuditHash(forged);
  b.Put(Family::kAudit, AuditKey(10), EncodeAuditEntry(forged));
  ASSERT_TRUE(store_->Write(b).ok());
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 10u);
  EXPECT_NE(v.problem.find("record 10 does not link to record 9"), std::string::npos) << v.problem;
}

TEST_F(AuditLogTest, DetectsInsertedRecordThatLinksCorrectly) {
  AppendN(20);
  // The forged record links to record 9 perfectly; the shifted original 10
  // then sits under key 11.
  WriteBatch b;
  for (uint64_t seq = 20; seq >= 10; --seq)
    b.Put(Family::kAudit, AuditKey(seq + 1), **store_->Get(Family::kAudit, AuditKey(seq)));
  AuditEntry forged;
  forged.seq = 10;
  forged.time = kT0;
  forged.action = AuditAction::kConfigChange;
  forged.key_id = "key1";
  forged.prev_hash = Record(9).hash;
  forged.hash = ComputeAuditHash(forged);
  b.Put(Family::kAudit, AuditKey(10), EncodeAuditEntry(forged));
  ASSERT_TRUE(store_->Write(b).ok());
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 11u);
  EXPECT_EQ(v.problem, "record 11 out of order: holds record 10");
}

TEST_F(AuditLogTest, DetectsRecordsAppendedBehindTheHeadsBack) {
  AppendN(5);
  AuditEntry last = Record(5), extra;
  extra.seq = 6;
  extra.time = kT0;
  extra.action = AuditAction::kExport;
  extra.prev_hash = last.hash;
  extra.hash = ComputeAuditHash(extra);
  Put(Family::kAudit, AuditKey(6), EncodeAuditEntry(extra));
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 6u);
  EXPECT_EQ(v.records, 5u);
  EXPECT_EQ(v.problem, "unexpected record 6 after head 5");
  // Appends refuse to build on (or overwrite) a damaged log.
  auto e = log_->Append(AuditAction::kExport, "key1", "", "", "", kT0);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), Code::kDataLoss);
}

TEST_F(AuditLogTest, DetectsTruncatedTail) {
  AppendN(40);
  Delete(Family::kAudit, AuditKey(40));
  Delete(Family::kAudit, AuditKey(39));
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.records, 38u);
  EXPECT_EQ(v.first_bad_seq, 39u);
  EXPECT_EQ(v.problem, "log truncated: head says 40 records, store ends at record 38");
  EXPECT_FALSE(log_->Append(AuditAction::kExport, "key1", "", "", "", kT0).ok());
}

TEST_F(AuditLogTest, DetectsTamperedHeadHash) {
  AppendN(10);
  std::string head = **store_->Get(Family::kMeta, kAuditHeadKey);
  head.back() ^= 1;
  Put(Family::kMeta, kAuditHeadKey, head);
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 10u);
  EXPECT_EQ(v.problem, "audit head tampered: its hash does not match record 10");
}

TEST_F(AuditLogTest, DetectsHeadRolledBack) {
  // Head moved back to record 9 with record 9's hash: record 10 is now extra.
  AppendN(10);
  std::string head;
  PutFixed64BE(head, 9);
  head += Record(9).hash;
  Put(Family::kMeta, kAuditHeadKey, head);
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.problem, "unexpected record 10 after head 9");
}

TEST_F(AuditLogTest, DetectsCorruptOrMissingHead) {
  AppendN(3);
  Put(Family::kMeta, kAuditHeadKey, "garbage");
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.problem, "audit head corrupt: 7 bytes, expected 40");
  EXPECT_FALSE(log_->Append(AuditAction::kExport, "key1", "", "", "", kT0).ok());

  Delete(Family::kMeta, kAuditHeadKey);
  v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.problem, "audit head missing but the log holds record 1");
  // Without the refusal, this append would overwrite record 1.
  EXPECT_FALSE(log_->Append(AuditAction::kExport, "key1", "", "", "", kT0).ok());
}

TEST_F(AuditLogTest, DetectsUndecodableRecord) {
  AppendN(3);
  Put(Family::kAudit, AuditKey(2), "junk");
  auto v = VerifyFresh();
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.first_bad_seq, 2u);
  EXPECT_EQ(v.problem.rfind("record 2 altered: ", 0), 0u) << v.problem;
}

TEST_F(AuditLogTest, ConcurrentAppendsFormOneChain) {
  constexpr int kThreads = 4, kPerThread = 100;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i)
        if (!log_->Append(AuditAction::kProfileRead, "key" + std::to_string(t), "personalization", kAlice,
                          std::to_string(i), kT0 + i)
                 .ok())
          ++failures;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(log_->last_seq(), 400u);
  auto all = log_->Query("", std::numeric_limits<Micros>::min(), std::numeric_limits<Micros>::max(), 1000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 400u);
  for (size_t i = 0; i < all->size(); ++i) ASSERT_EQ((*all)[i].seq, i + 1);
  auto v = VerifyFresh();
  EXPECT_TRUE(v.ok) << v.problem;
  EXPECT_EQ(v.records, 400u);
}

TEST_F(AuditLogTest, VerifyWhileAppendingStaysOk) {
  AppendN(50);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200 && !stop; ++i)
      ASSERT_TRUE(log_->Append(AuditAction::kExport, "key1", "", "", "", kT0).ok());
  });
  for (int i = 0; i < 5; ++i) {
    auto v = log_->Verify();
    ASSERT_TRUE(v.ok());
    EXPECT_TRUE(v->ok) << v->problem;
  }
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace confide
