// What cell.h promises when the store fails: each operation is cut at
// every step it takes (store/faulty_store.h), the region is reopened as
// after a crash, and what was acknowledged, and only that, is there.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <chrono>
#include <future>
#include <thread>

#include <sodium.h>

#include "cell/cell.h"
#include "core/bytes.h"
#include "crypto/region_keys.h"
#include "privacy/data_subject.h"
#include "privacy/retention.h"
#include "core/scratch_dir.h"
#include "store/faulty_store.h"

namespace confide {
namespace {

Event Purchase(std::string event_id, std::string customer, std::string anonymous = "") {
  Event e;
  e.event_id = std::move(event_id);
  e.type = EventType::kPurchase;
  e.channel = Channel::kWeb;
  e.timestamp = *ParseRfc3339("2026-03-01T10:00:00Z");
  e.product_id = "P1";
  e.id(IdKind::kCustomer) = std::move(customer);
  if (!anonymous.empty()) e.id(IdKind::kAnonymous) = std::move(anonymous);
  return e;
}

class CellFaultTest : public ::testing::Test {
 protected:
  // Opens the region through the faulty store (faults healed first).
  void Open() {
    cell_.reset();
    faults_->Heal();
    Cell::Options options;
    options.open_store = FaultyStoreFactory(RocksDbStoreFactory(), faults_);
    auto c = Cell::Open(RegionConfig{"eu", LegalBasis::kOptOut, "EUR", ""}, dir("data"), dir("keys"), options);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
  }
  // A power cut: writes not yet synced are lost, then the region reopens.
  void Crash() {
    faults_->DropUnsynced();
    Open();
  }
  std::string dir(const char* name) const { return (scratch_.path() / name).string(); }

  // A shopper sent an offer at a webhook, then erased: one notice queued.
  void QueueNotice(const std::string& customer) {
    ASSERT_TRUE(cell_->Ingest({Purchase(customer + "-1", customer)}).ok());
    auto recorded = cell_->RecordDeliveries(
        {{"a.example/hook", "http://a.example/hook", "cart_recovery_offer", "k", IdKind::kCustomer, customer, NowMicros()}});
    ASSERT_TRUE(recorded.ok() && (*recorded)[0]);
    ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, customer).ok());
  }
  // The queued notices' bodies; fails the test if they do not open.
  std::vector<std::string> NoticeBodies() {
    auto queued = cell_->QueuedNotices(10);
    EXPECT_TRUE(queued.ok()) << queued.status().ToString();
    std::vector<std::string> bodies;
    if (queued.ok())
      for (const auto& n : *queued) bodies.push_back(n.body);
    return bodies;
  }

  // Events held for the customer, read through every path; -1 when unknown.
  int64_t EventsOf(const std::string& customer) {
    auto data = cell_->ReadShopper(IdKind::kCustomer, customer);
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    if (!data.ok() || !data->has_value()) return -1;
    Grant grant = cell_->GrantFor(IdKind::kCustomer, customer, Purpose::kPersonalization);
    auto history = cell_->History(grant);
    EXPECT_TRUE(history.ok()) << history.status().ToString();
    EXPECT_EQ(history.ok() ? history->size() : 0u, (*data)->events.size());
    return static_cast<int64_t>((*data)->events.size());
  }

  ScratchDir scratch_;
  std::shared_ptr<StoreFaults> faults_ = std::make_shared<StoreFaults>();
  std::unique_ptr<Cell> cell_;
};

TEST_F(CellFaultTest, AFailedIngestAcknowledgesNoneOfItsEvents) {
  Open();
  faults_->HoldUnsynced(true);
  for (uint64_t step = 1;; ++step) {
    const std::string customer = "C" + std::to_string(step);
    faults_->FailStepsFrom(step);
    auto r = cell_->Ingest({Purchase(customer + "-1", customer, "A" + customer), Purchase(customer + "-2", customer)});
    Crash();
    if (r.ok()) {
      EXPECT_EQ(EventsOf(customer), 2) << "acknowledged at step " << step << ", so durable";
      break;
    }
    EXPECT_LE(EventsOf(customer), 0) << "cut at step " << step << ": nothing of the call may be there";
    ASSERT_LT(step, 10u) << "an ingest takes a handful of steps";
  }
  // What a failed call left unstored is stored by a retry, once.
  auto retry = cell_->Ingest({Purchase("C1-1", "C1", "AC1"), Purchase("C1-2", "C1")});
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  Crash();
  EXPECT_EQ(EventsOf("C1"), 2);
}

// A failed write of new shoppers leaves the graph in memory ahead of the
// store: the region refuses shopper writes while the store still fails, so
// nothing is ever acknowledged on top of identity records the store lacks;
// once the store takes writes again, the region reloads what it holds and
// goes on, with no reopening.
TEST_F(CellFaultTest, AfterAFailedIdentityWriteTheRegionRefusesWritesUntilTheStoreTakesThemAgain) {
  Open();
  faults_->FailStepsFrom(1);
  ASSERT_FALSE(cell_->Ingest({Purchase("Z-1", "Z", "AZ")}).ok());
  auto again = cell_->Ingest({Purchase("Z-2", "Z")});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kUnavailable);
  ConsentRecord grant;
  grant.timestamp = NowMicros();
  grant.source = ConsentSource::kApi;
  grant.purposes[static_cast<size_t>(Purpose::kMarketing)] = true;
  EXPECT_EQ(cell_->RecordConsent(IdKind::kCustomer, "Z", grant).status().code(), Code::kUnavailable);
  EXPECT_EQ(cell_->ReadShopper(IdKind::kCustomer, "Z").status().code(), Code::kUnavailable)
      << "read from a memory ahead of the store";
  faults_->Heal();  // space returns
  ASSERT_TRUE(cell_->Ingest({Purchase("Z-2", "Z")}).ok()) << "the store takes writes: so does the region";
  EXPECT_EQ(EventsOf("Z"), 1);
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "Z", grant).ok());
  Crash();
  EXPECT_EQ(EventsOf("Z"), 1);
  auto consent = cell_->GetConsent(IdKind::kCustomer, "Z");
  ASSERT_TRUE(consent.ok() && consent->has_value());
}

// Nor are reads answered from a memory ahead of the store: a link whose
// write failed would show one shopper's data under another's identifier.
// Refused while the store fails; once it takes writes, read from what it
// holds (the link is not there).
TEST_F(CellFaultTest, AfterAFailedLinkReadsAreRefusedUntilTheStoreHoldsWhatMemoryDoes) {
  Open();
  ASSERT_TRUE(cell_->Ingest({Purchase("C-1", "C"), Purchase("A-1", "", "A"), Purchase("A-2", "", "A")}).ok());
  const Grant before = cell_->GrantFor(IdKind::kCustomer, "C", Purpose::kPersonalization);
  faults_->FailStepsFrom(1);
  ASSERT_FALSE(cell_->Ingest({Purchase("C-2", "C", "A")}).ok());  // links A to C, unstored
  EXPECT_EQ(cell_->ReadShopper(IdKind::kCustomer, "C").status().code(), Code::kUnavailable);
  EXPECT_EQ(cell_->History(before).status().code(), Code::kUnavailable);
  Grant grant = cell_->GrantFor(IdKind::kCustomer, "C", Purpose::kPersonalization);
  EXPECT_FALSE(grant.any()) << "a grant decided from a memory ahead of the store";
  EXPECT_EQ(cell_->GetConsent(IdKind::kCustomer, "C").status().code(), Code::kUnavailable);
  faults_->Heal();
  EXPECT_EQ(EventsOf("C"), 1) << "A's events under C: the failed link was read";
  auto anonymous = cell_->ReadShopper(IdKind::kAnonymous, "A");
  ASSERT_TRUE(anonymous.ok() && anonymous->has_value());
  EXPECT_EQ((*anonymous)->events.size(), 2u);
}

// The reload that heals a diverged region can fail too (the store takes a
// write again but cannot be read): what memory held stays, a refusal
// among it, and writes stay refused until a reload succeeds.
TEST_F(CellFaultTest, AReloadThatFailsKeepsEveryRefusalAndTheRegionRefusingWrites) {
  Open();
  ASSERT_TRUE(cell_->Ingest({Purchase("R-1", "R")}).ok());
  ConsentRecord refusal;
  refusal.timestamp = NowMicros();
  refusal.source = ConsentSource::kApi;
  refusal.purposes[static_cast<size_t>(Purpose::kMarketing)] = false;
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "R", refusal).ok());
  ASSERT_FALSE(cell_->GrantFor(IdKind::kCustomer, "R", Purpose::kMarketing).any());
  faults_->FailStepsFrom(1);
  ASSERT_FALSE(cell_->Ingest({Purchase("Z-1", "Z", "AZ")}).ok());  // memory now ahead of the store
  faults_->Heal();
  faults_->FailReads(true);
  auto refused = cell_->Ingest({Purchase("R-2", "R")});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_FALSE(cell_->GrantFor(IdKind::kCustomer, "R", Purpose::kMarketing).any()) << "the refusal was forgotten";
  faults_->FailReads(false);
  ASSERT_TRUE(cell_->Ingest({Purchase("R-2", "R")}).ok());
  EXPECT_FALSE(cell_->GrantFor(IdKind::kCustomer, "R", Purpose::kMarketing).any());
  EXPECT_EQ(EventsOf("R"), 2);
}

// A write that lands but is reported failed: the cell cannot tell what
// the store holds, so after the identity write of a new shopper it reloads
// the identities from the store before its next shopper write, and finds
// what landed. Events that landed so are found by a retry: stored once.
TEST_F(CellFaultTest, AWriteAppliedButReportedFailedIsReadBackBeforeTheNextWrite) {
  Open();
  faults_->ApplyThenFailStep(1);  // the new shopper's identity records
  auto first = cell_->Ingest({Purchase("Y-1", "Y", "AY")});
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), Code::kIoError);
  ASSERT_TRUE(cell_->Ingest({Purchase("X-1", "X")}).ok()) << "the store takes writes again";
  EXPECT_EQ(EventsOf("Y"), 0) << "the shopper's identity landed, none of its events";
  ASSERT_TRUE(cell_->Ingest({Purchase("Y-1", "Y", "AY")}).ok());
  EXPECT_EQ(EventsOf("Y"), 1);
  auto anonymous = cell_->ReadShopper(IdKind::kAnonymous, "AY");
  ASSERT_TRUE(anonymous.ok() && anonymous->has_value()) << "the link that landed is known";

  // The events write of a known shopper lands but is reported failed: no
  // divergence (memory was not ahead), and a retry finds them stored.
  faults_->ApplyThenFailStep(1);
  ASSERT_FALSE(cell_->Ingest({Purchase("Y-2", "Y")}).ok());
  auto retry = cell_->Ingest({Purchase("Y-2", "Y")});
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  ASSERT_EQ(retry->size(), 1u);
  EXPECT_EQ((*retry)[0].kind, IngestOutcome::Kind::kDuplicate);
  Open();
  EXPECT_EQ(EventsOf("Y"), 2);
  EXPECT_EQ(EventsOf("X"), 1);
}

TEST_F(CellFaultTest, ABulkLoadCutAtAnyCommitLeavesNothingHalfVisible) {
  for (uint64_t step = 1; step <= 3; ++step) {
    Open();
    ASSERT_TRUE(cell_->BeginBulkLoad().ok());
    faults_->FailStepsFrom(step);
    bool acknowledged[2] = {};
    for (int load = 0; load < 2; ++load) {
      const std::string c = "S" + std::to_string(step) + "-" + std::to_string(load);
      ASSERT_TRUE(cell_->Ingest({Purchase(c + "-1", c, "A" + c), Purchase(c + "-2", c)}).ok());
      acknowledged[load] = cell_->CommitBulkLoad().ok();
    }
    (void)cell_->EndBulkLoad();
    Crash();
    for (int load = 0; load < 2; ++load) {
      const std::string c = "S" + std::to_string(step) + "-" + std::to_string(load);
      EXPECT_EQ(EventsOf(c), acknowledged[load] ? 2 : -1) << "cut at step " << step << ", load " << load;
    }
  }
}

TEST_F(CellFaultTest, AnErasureCutAtAnyStepLeavesTheShopperWholeOrUnreadable) {
  Open();
  for (uint64_t step = 1;; ++step) {
    const std::string c = "E" + std::to_string(step);
    ASSERT_TRUE(cell_->Ingest({Purchase(c + "-1", c, "A" + c), Purchase(c + "-2", c)}).ok());
    ConsentRecord refusal;
    refusal.timestamp = NowMicros();
    refusal.source = ConsentSource::kApi;
    refusal.purposes[static_cast<size_t>(Purpose::kMarketing)] = false;
    ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, c, refusal).ok());
    faults_->FailStepsFrom(step);
    auto receipt = cell_->Erase(IdKind::kAnonymous, "A" + c);
    Crash();
    if (receipt.ok()) {
      EXPECT_EQ(EventsOf(c), -1) << "erased at step " << step;
      EXPECT_FALSE(cell_->GetConsent(IdKind::kCustomer, c)->has_value());
      break;
    }
    EXPECT_EQ(EventsOf(c), 2) << "an erasure cut at step " << step << " changed nothing";
    auto again = cell_->Erase(IdKind::kCustomer, c);
    ASSERT_TRUE(again.ok() && again->found) << "and can be retried";
    EXPECT_EQ(EventsOf(c), -1);
    ASSERT_LT(step, 10u);
  }
}

// What a crash between the two writes of an older erasure left behind: a
// group whose data key is gone while its rows and links remain.
TEST_F(CellFaultTest, AGroupLeftWithoutADataKeyIsErasedAtOpenAndNeverSealedUnderAMadeUpKey) {
  Open();
  ASSERT_TRUE(cell_->Ingest({Purchase("K-1", "K", "AK")}).ok());
  ConsentRecord grant;
  grant.timestamp = NowMicros();
  grant.source = ConsentSource::kApi;
  grant.purposes[static_cast<size_t>(Purpose::kMarketing)] = true;
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "K", grant).ok());
  cell_.reset();
  {
    auto store = OpenRocksDbStore(dir("data") + "/eu");
    ASSERT_TRUE(store.ok());
    WriteBatch shred;
    ASSERT_TRUE((*store)
                    ->ScanPrefix(Family::kDataKeys, "",
                                 [&](std::string_view k, std::string_view) {
                                   shred.Delete(Family::kDataKeys, k);
                                   return true;
                                 })
                    .ok());
    ASSERT_TRUE((*store)->Write(shred).ok());
  }
  Open();  // a stray consent row does not stop the region from opening
  EXPECT_EQ(EventsOf("K"), -1);
  ASSERT_TRUE(cell_->Ingest({Purchase("K-2", "K")}).ok());
  Crash();
  EXPECT_EQ(EventsOf("K"), 1) << "the shopper starts anew under a fresh key";
  auto retention = ApplyRetention(*cell_, Retention{}, NowMicros());
  ASSERT_TRUE(retention.ok()) << retention.status().ToString();
  EXPECT_EQ(retention->unreadable, 0u);
}

TEST_F(CellFaultTest, AKeyRotationCutAtAnyStepStillOpensEveryDataKey) {
  Open();
  constexpr int kShoppers = 2'500;  // two chunks of re-wrapping
  std::vector<Event> events;
  for (int i = 0; i < kShoppers; ++i) events.push_back(Purchase("R-" + std::to_string(i), "R" + std::to_string(i)));
  ASSERT_TRUE(cell_->Ingest(std::move(events)).ok());
  for (uint64_t step = 1;; ++step) {
    faults_->FailStepsFrom(step);
    auto rotation = cell_->RotateKeys();
    Crash();
    for (int i = 0; i < kShoppers; i += 499) EXPECT_EQ(EventsOf("R" + std::to_string(i)), 1) << "step " << step;
    if (rotation.ok()) break;
    ASSERT_LT(step, 10u);
  }
  EXPECT_EQ(EventsOf("R" + std::to_string(kShoppers - 1)), 1);
}

// The rotation an erasure makes due (cell.h, rekey_due) survives a crash
// before it and a crash at any step of it, until one completes: then a
// copy of the region made before the erasure opens with the current keys
// no more.
TEST_F(CellFaultTest, ARekeyCutAtAnyStepStaysDueUntilOneCompletes) {
  Open();
  constexpr int kShoppers = 2'500;  // two chunks of re-wrapping
  std::vector<Event> events;
  for (int i = 0; i < kShoppers; ++i) events.push_back(Purchase("R-" + std::to_string(i), "R" + std::to_string(i)));
  events.push_back(Purchase("G-1", "G"));
  ASSERT_TRUE(cell_->Ingest(std::move(events)).ok());
  cell_.reset();
  std::filesystem::copy(dir("data"), dir("copy"), std::filesystem::copy_options::recursive);
  Open();
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "G").ok());
  Crash();  // between the erasure and its rekey
  EXPECT_TRUE(cell_->rekey_due());
  for (uint64_t step = 1;; ++step) {
    faults_->FailStepsFrom(step);
    auto rotation = cell_->RotateKeys();
    Crash();
    EXPECT_EQ(cell_->rekey_due(), !rotation.ok()) << "step " << step;
    EXPECT_EQ(EventsOf("R0"), 1) << "step " << step;
    if (rotation.ok()) break;
    ASSERT_LT(step, 10u);
  }
  auto copy = Cell::Open(RegionConfig{"eu", LegalBasis::kOptOut, "EUR", ""}, dir("copy"), dir("keys"));
  ASSERT_FALSE(copy.ok()) << "the copy's data keys are wrapped under destroyed KEKs";
  EXPECT_EQ(copy.status().code(), Code::kFailedPrecondition) << copy.status().ToString();
}

// An erasure made while a rotation re-wraps may have had its key wrapped
// under the new KEK: that rotation does not clear the rekey.
TEST_F(CellFaultTest, AnErasureDuringARotationLeavesTheRekeyDue) {
  Open();
  constexpr int kShoppers = 2'500;  // two chunks of re-wrapping
  std::vector<Event> events;
  for (int i = 0; i < kShoppers; ++i) events.push_back(Purchase("D-" + std::to_string(i), "D" + std::to_string(i)));
  ASSERT_TRUE(cell_->Ingest(std::move(events)).ok());
  std::future<Result<Cell::ErasureReceipt>> erasure;
  std::atomic<bool> started{false}, running{false};
  faults_->OnStep([&](uint64_t) {
    if (started.exchange(true)) return;
    // The rotation's first chunk: the erasure waits for it to be written,
    // and goes before the second chunk if it is queued by then (the pause
    // makes that likely; the outcome must be the same either way).
    erasure = std::async(std::launch::async, [&] {
      running = true;
      return cell_->Erase(IdKind::kCustomer, "D0");
    });
    while (!running) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  });
  auto rotation = cell_->RotateKeys();
  faults_->OnStep({});
  ASSERT_TRUE(rotation.ok()) << rotation.status().ToString();
  ASSERT_TRUE(erasure.valid());
  auto receipt = erasure.get();
  ASSERT_TRUE(receipt.ok() && receipt->found);
  EXPECT_TRUE(cell_->rekey_due());
  ASSERT_TRUE(cell_->RotateKeys().ok());
  EXPECT_FALSE(cell_->rekey_due());
}

// A region whose key file went missing must not start under a fresh root:
// it could open none of the stored data keys.
TEST_F(CellFaultTest, AMissingKeyFileIsAnErrorNeverAFreshKey) {
  Open();
  ASSERT_TRUE(cell_->Ingest({Purchase("M-1", "M")}).ok());
  cell_.reset();
  std::filesystem::rename(dir("keys") + "/eu.key", dir("keys") + "/eu.key.moved");
  auto reopened = Cell::Open(RegionConfig{"eu", LegalBasis::kOptOut, "EUR", ""}, dir("data"), dir("keys"));
  ASSERT_FALSE(reopened.ok());
  EXPECT_NE(reopened.status().message().find("eu.key"), std::string::npos) << reopened.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(dir("keys") + "/eu.key"));
  std::filesystem::rename(dir("keys") + "/eu.key.moved", dir("keys") + "/eu.key");
  Open();
  EXPECT_EQ(EventsOf("M"), 1);
  struct stat st;
  ASSERT_EQ(::stat((dir("data") + "/eu").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "the region's directory is private";
}

// Deleting a delivered notice and marking the rotation that shuts its
// lingering copies due are one write: cut, the notice is still queued (and
// is sent again), or it is gone and the rotation is due.
TEST_F(CellFaultTest, ANoticeDeletionCutAtAnyStepKeepsTheNoticeOrLeavesTheRekeyDue) {
  Open();
  QueueNotice("N");
  ASSERT_TRUE(cell_->RotateKeys().ok());
  const std::string id = (*cell_->QueuedNotices(10))[0].id;
  faults_->ApplyThenFailStep(1);
  EXPECT_FALSE(cell_->DropNotice(id).ok());
  Crash();
  EXPECT_TRUE(NoticeBodies().empty()) << "landed, reported failed";
  EXPECT_TRUE(cell_->rekey_due()) << "with the notice";
  ASSERT_TRUE(cell_->RotateKeys().ok());

  QueueNotice("O");
  ASSERT_TRUE(cell_->RotateKeys().ok());
  const std::string other = (*cell_->QueuedNotices(10))[0].id;
  for (uint64_t step = 1;; ++step) {
    faults_->FailStepsFrom(step);
    const bool dropped = cell_->DropNotice(other).ok();
    Crash();
    EXPECT_EQ(NoticeBodies().size(), dropped ? 0u : 1u) << "step " << step;
    EXPECT_EQ(cell_->rekey_due(), dropped) << "step " << step;
    if (dropped) break;
    ASSERT_LT(step, 5u);
  }
}

// A rotation re-wraps the queued notices' keys between re-wrapping the data
// keys and destroying the old KEK: cut at any step, every notice still
// opens; once one completes, a copy made before it opens the notice no more.
TEST_F(CellFaultTest, ARotationCutAtAnyStepLeavesEveryQueuedNoticeReadable) {
  Open();
  QueueNotice("N");
  cell_.reset();
  std::filesystem::copy(dir("data"), dir("copy"), std::filesystem::copy_options::recursive);
  Open();
  for (uint64_t step = 1;; ++step) {
    faults_->FailStepsFrom(step);
    const bool rotated = cell_->RotateKeys().ok();
    Crash();
    auto bodies = NoticeBodies();
    ASSERT_EQ(bodies.size(), 1u) << "step " << step;
    EXPECT_NE(bodies[0].find(R"("customer_id":"N")"), std::string::npos) << "step " << step;
    EXPECT_EQ(cell_->rekey_due(), !rotated) << "step " << step;
    if (rotated) break;
    ASSERT_LT(step, 10u);
  }
  auto copy = Cell::Open(RegionConfig{"eu", LegalBasis::kOptOut, "EUR", ""}, dir("copy"), dir("keys"));
  ASSERT_TRUE(copy.ok()) << "it holds no data key: " << copy.status().ToString();
  EXPECT_FALSE((*copy)->QueuedNotices(10).ok()) << "its notice's key is wrapped under a destroyed KEK";
}

// A notice of an earlier release (one row under a key derived from the
// pseudonym key) is moved under a key of its own at open, in one write: an
// open cut at any step leaves it once, readable, in either form.
TEST_F(CellFaultTest, MovingAnEarlierReleasesNoticeCutAtAnyStepLeavesItOnce) {
  Open();
  cell_.reset();
  auto keys = LoadOrCreateRegionKeys(dir("keys"), "eu");
  ASSERT_TRUE(keys.ok());
  Key256 legacy;
  crypto_kdf_derive_from_key(legacy.data(), legacy.size(), 1, "cfnotice", keys->pseudonym_key.data());
  std::string row;
  PutFixed64BE(row, OrderedInt64(NowMicros()));
  row += "87654321";
  std::string plain(1, '\x01');
  PutFixed64BE(plain, OrderedInt64(NowMicros()));
  PutFixed32BE(plain, 0);
  for (std::string_view s : {"http://a.example/hook", "a.example/hook", "subject", R"({"ids":[{"customer_id":"L"}]})"})
    PutLengthPrefixed(plain, s);
  {
    auto store = RocksDbStoreFactory()(dir("data") + "/eu");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    WriteBatch batch;
    batch.Put(Family::kNotices, row, Seal(legacy, plain, row));
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  std::filesystem::copy(dir("data"), dir("before"), std::filesystem::copy_options::recursive);
  Cell::Options options;
  options.open_store = FaultyStoreFactory(RocksDbStoreFactory(), faults_);
  for (uint64_t step = 1;; ++step) {
    std::filesystem::remove_all(dir("data"));  // as before the first open
    std::filesystem::copy(dir("before"), dir("data"), std::filesystem::copy_options::recursive);
    faults_->Heal();
    faults_->FailStepsFrom(step);
    const bool opened = Cell::Open(RegionConfig{"eu", LegalBasis::kOptOut, "EUR", ""}, dir("data"), dir("keys"), options).ok();
    Crash();
    auto bodies = NoticeBodies();
    ASSERT_EQ(bodies.size(), 1u) << "step " << step;
    EXPECT_EQ(bodies[0], R"({"ids":[{"customer_id":"L"}]})") << "step " << step;
    if (opened) break;
    cell_.reset();
    ASSERT_LT(step, 20u);
  }
  ASSERT_TRUE(cell_->store()
                  .ScanPrefix(Family::kNotices, "",
                              [&](std::string_view k, std::string_view) {
                                EXPECT_NE(k, row) << "the row of the earlier release is gone";
                                return true;
                              })
                  .ok());
}

TEST_F(CellFaultTest, FailedReadsAreErrorsNeverEmptyAnswers) {
  Open();
  ASSERT_TRUE(cell_->Ingest({Purchase("F-1", "F")}).ok());
  faults_->FailReads(true);
  Grant grant = cell_->GrantFor(IdKind::kCustomer, "F", Purpose::kPersonalization);
  EXPECT_FALSE(cell_->History(grant).ok());
  EXPECT_FALSE(ExportShopper(*cell_, IdKind::kCustomer, "F", ExportInputs(), NowMicros()).ok());
  EXPECT_FALSE(ApplyRetention(*cell_, Retention{}, NowMicros()).ok());
  EXPECT_FALSE(cell_->Ingest({Purchase("F-2", "F")}).ok()) << "the dedupe probe reads";
  faults_->FailReads(false);
  EXPECT_EQ(EventsOf("F"), 1);
}

// An erasure arriving while an ingest of the same shopper is between
// resolving the shopper's data key and writing rows sealed under it must
// wait for that write: a row sealed under a destroyed key never opens
// again, and made every later read of the region fail.
TEST_F(CellFaultTest, AnErasureWaitsForAnIngestWritingUnderTheKeyItDestroys) {
  Open();
  ASSERT_TRUE(cell_->Ingest({Purchase("W-1", "W")}).ok());
  std::future<bool> erased;
  std::atomic<bool> armed{true};
  faults_->OnStep([&](uint64_t) {
    if (!armed.exchange(false)) return;  // the ingest's write; not the erasure's own
    erased = std::async(std::launch::async, [&] { return cell_->Erase(IdKind::kCustomer, "W").ok(); });
    // Inside the ingest's write: an erasure that does not wait is done well within this.
    erased.wait_for(std::chrono::milliseconds(300));
  });
  ASSERT_TRUE(cell_->Ingest({Purchase("W-2", "W")}).ok());
  faults_->OnStep(nullptr);
  ASSERT_TRUE(erased.get());
  Event later = Purchase("W-3", "W");
  later.timestamp = NowMicros();  // after the erasure: events from before it are refused
  ASSERT_TRUE(cell_->Ingest({later}).ok()) << "the shopper comes back under a new key";
  auto doc = ExportShopper(*cell_, IdKind::kCustomer, "W", ExportInputs(), NowMicros());
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(EventsOf("W"), 1);
  auto retention = ApplyRetention(*cell_, Retention{}, NowMicros());
  ASSERT_TRUE(retention.ok());
  EXPECT_EQ(retention->unreadable, 0u);
}

// The same race, many rounds.
TEST_F(CellFaultTest, ErasureRacingIngestionLeavesEveryRowReadable) {
  Open();
  std::atomic<bool> done{false};
  // Batches large enough that sealing them takes a while: the window
  // between resolving the key and writing under it.
  std::thread ingest([&] {
    for (int i = 0; !done.load(); ++i) {
      std::vector<Event> batch;
      for (int j = 0; j < 20; ++j) batch.push_back(Purchase("X-" + std::to_string(i) + "-" + std::to_string(j), "X", "AX"));
      ASSERT_TRUE(cell_->Ingest(std::move(batch)).ok());
    }
  });
  for (int round = 0; round < 200; ++round) {
    // The shopper comes back under the same key prefix with a new data
    // key: a row sealed under the destroyed one makes their export fail.
    auto doc = ExportShopper(*cell_, IdKind::kCustomer, "X", ExportInputs(), NowMicros());
    ASSERT_TRUE(doc.ok()) << "round " << round << ": " << doc.status().ToString();
    auto r = cell_->Erase(IdKind::kCustomer, "X");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  done = true;
  ingest.join();
  ASSERT_TRUE(cell_->Ingest({Purchase("X-last", "X")}).ok());
  Crash();
  auto retention = ApplyRetention(*cell_, Retention{}, NowMicros());
  ASSERT_TRUE(retention.ok()) << retention.status().ToString();
  EXPECT_EQ(retention->unreadable, 0u) << "rows sealed under a destroyed key";
  EXPECT_EQ(retention->scanned, static_cast<uint64_t>(std::max<int64_t>(EventsOf("X"), 0)));
  EXPECT_TRUE(ExportShopper(*cell_, IdKind::kCustomer, "X", ExportInputs(), NowMicros()).ok());
}

}  // namespace
}  // namespace confide
