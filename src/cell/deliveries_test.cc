// Downstream recipients in the cell: delivery records kept with the
// shopper's data, and what an erasure leaves for those recipients (a
// sealed notice per recipient, an entry in the erasure list), and what a
// notice leaves in copies of the region and in its files once a KEK
// rotation has run (cell.h, DropNotice and rekey_due).
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <filesystem>

#include "cell/cell.h"
#include "core/bytes.h"
#include "core/scratch_dir.h"
#include "crypto/region_keys.h"
#include "crypto/webhook_secret.h"

namespace confide {
namespace {

class DeliveriesTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    cell_.reset();
    auto c = Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (root_ / "data").string(), (root_ / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(*c);
  }
  // A shopper with customer id `customer` linked to anonymous id `device`.
  void Shopper(const std::string& customer, const std::string& device) {
    Event e;
    e.event_id = customer + "-e";
    e.type = EventType::kSearch;
    e.query = "q";
    e.channel = Channel::kWeb;
    e.timestamp = *ParseRfc3339("2025-03-01T10:00:00Z");
    e.id(IdKind::kCustomer) = customer;
    e.id(IdKind::kAnonymous) = device;
    ASSERT_TRUE(cell_->Ingest({e}).ok());
  }
  // The raw rows of the region's notices family.
  std::vector<std::pair<std::string, std::string>> NoticeRows() {
    std::vector<std::pair<std::string, std::string>> rows;
    EXPECT_TRUE(cell_->store()
                    .ScanPrefix(Family::kNotices, "",
                                [&](std::string_view k, std::string_view v) {
                                  rows.emplace_back(k, v);
                                  return true;
                                })
                    .ok());
    return rows;
  }
  // Copies the region's directory, as a backup or snapshot would, to <name>/eu.
  void Copy(const std::string& name) {
    ASSERT_TRUE(cell_->store().Sync().ok());
    std::filesystem::create_directories(root_ / name);
    std::filesystem::copy(root_ / "data/eu", root_ / name / "eu", std::filesystem::copy_options::recursive);
  }
  // Opens the copy <name> with the region's current key directory, first
  // writing `rows` into its notices family (rows recovered from the files);
  // what its queued notices read.
  Result<std::vector<Cell::ErasureNotice>> NoticesInCopy(
      const std::string& name, const std::vector<std::pair<std::string, std::string>>& rows = {}) {
    auto copy = Cell::Open({"eu", LegalBasis::kOptIn, "EUR", "", Collection::kAll}, (root_ / name).string(),
                           (root_ / "keys").string());
    if (!copy.ok()) return copy.status();
    WriteBatch batch;
    for (const auto& [k, v] : rows) batch.Put(Family::kNotices, k, v);
    if (!batch.empty()) CONFIDE_RETURN_IF_ERROR((*copy)->store().Write(batch));
    return (*copy)->QueuedNotices(10);
  }
  static Cell::Delivery To(const std::string& url, const std::string& customer, const std::string& reference) {
    return {url.substr(7), url, "cart_recovery_offer", reference, IdKind::kCustomer, customer, NowMicros()};
  }

  ScratchDir scratch_;
  const std::filesystem::path& root_ = scratch_.path();
  std::unique_ptr<Cell> cell_;
};

TEST_F(DeliveriesTest, DeliveriesAreRecordedOnlyForKnownShoppersAndReadAcrossTheGroup) {
  Shopper("C-alpha-0001", "dev-1");
  auto recorded = cell_->RecordDeliveries({To("http://a.example/hook", "C-alpha-0001", "k1"), To("http://a.example/hook", "C-zulu-0009", "k2")});
  ASSERT_TRUE(recorded.ok());
  EXPECT_EQ(*recorded, (std::vector<bool>{true, false})) << "C-zulu-0009 is nobody: send nothing";
  auto by_device = cell_->DeliveriesOf(IdKind::kAnonymous, "dev-1");
  ASSERT_TRUE(by_device.ok());
  ASSERT_EQ(by_device->size(), 1u);
  EXPECT_EQ((*by_device)[0].recipient, "a.example/hook");
  EXPECT_EQ((*by_device)[0].reference, "k1");
  EXPECT_EQ((*by_device)[0].to_id, "C-alpha-0001");
  Reopen();
  EXPECT_EQ(cell_->DeliveriesOf(IdKind::kCustomer, "C-alpha-0001")->size(), 1u) << "durable";
  EXPECT_TRUE(cell_->DeliveriesOf(IdKind::kCustomer, "C-zulu-0009")->empty());
}

TEST_F(DeliveriesTest, AnErasureQueuesASealedNoticePerRecipientAndListsTheErasure) {
  Shopper("C-alpha-0001", "dev-1");
  Shopper("C-bravo-0002", "dev-2");
  ASSERT_TRUE(cell_->RecordDeliveries({To("http://a.example/hook", "C-alpha-0001", "k1"), To("http://a.example/hook", "C-alpha-0001", "k2"),
                                       To("http://b.example/other", "C-alpha-0001", "k3")})
                  .ok());
  auto receipt = cell_->Erase(IdKind::kAnonymous, "dev-1");
  ASSERT_TRUE(receipt.ok());
  EXPECT_TRUE(cell_->DeliveriesOf(IdKind::kCustomer, "C-alpha-0001")->empty()) << "erased with the shopper";
  auto queued = cell_->QueuedNotices(10);
  ASSERT_TRUE(queued.ok());
  ASSERT_EQ(queued->size(), 2u) << "one per recipient";
  for (const auto& n : *queued) {
    EXPECT_EQ(n.queued_at, receipt->at);
    EXPECT_EQ(n.subject, cell_->AuditSubject(IdKind::kAnonymous, "dev-1"));
    EXPECT_NE(n.body.find(R"("ids":[{"customer_id":"C-alpha-0001"}])"), std::string::npos) << n.body;
    EXPECT_NE(n.body.find(R"("notice_id":")" + n.id + "\""), std::string::npos) << n.body;
  }
  const auto& a = (*queued)[0].url == "http://a.example/hook" ? (*queued)[0] : (*queued)[1];
  EXPECT_NE(a.body.find(R"("references":["k1","k2"])"), std::string::npos) << a.body;
  EXPECT_FALSE(DirectoryContains(root_, "C-alpha-0001")) << "the notice is sealed";

  Reopen();
  ASSERT_EQ(cell_->QueuedNotices(10)->size(), 2u) << "durable";
  Cell::ErasureNotice later = (*cell_->QueuedNotices(10))[0];
  later.passes = 3;
  later.next_attempt = receipt->at + 1000;
  ASSERT_TRUE(cell_->RescheduleNotice(later).ok());
  EXPECT_EQ((*cell_->QueuedNotices(10))[0].passes, 3u);
  ASSERT_TRUE(cell_->DropNotice(later.id).ok());
  EXPECT_EQ(cell_->QueuedNotices(10)->size(), 1u);

  auto secret = LoadOrCreateWebhookSecret((root_ / "keys").string(), "eu");
  ASSERT_TRUE(secret.ok());
  auto listed = cell_->ListErasures(0, 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].erased_at, receipt->at);
  auto matches = (*listed)[0].matches;
  std::sort(matches.begin(), matches.end());
  std::vector<std::pair<IdKind, std::string>> expected = {
      {IdKind::kCustomer, ErasureMatch(secret->key, "customer", "C-alpha-0001")},
      {IdKind::kAnonymous, ErasureMatch(secret->key, "anonymous", "dev-1")}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(matches, expected) << "every id of the group, as a receiver holding the secret computes it";
  EXPECT_TRUE(cell_->ListErasures(receipt->at, 10)->empty()) << "strictly after";

  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-bravo-0002").ok());
  EXPECT_EQ(cell_->QueuedNotices(10)->size(), 1u) << "nothing was sent about C-bravo-0002";
  EXPECT_EQ(cell_->ListErasures(0, 10)->size(), 2u);
  EXPECT_EQ(cell_->ListErasures(0, 1)->size(), 1u);
  ASSERT_TRUE(cell_->PruneErasures(receipt->at + 1).ok());
  EXPECT_EQ(cell_->ListErasures(0, 10)->size(), 1u) << "the older entry is pruned";
}

// A copy of the region made after an erasure, while its notice waits,
// holds the notice's key wrapped under the KEK of that time: the rotation
// the erasure made due destroys it, and the region's own notice, re-wrapped,
// still opens.
TEST_F(DeliveriesTest, ACopyMadeWhileANoticeWaitsOpensItNoMoreOnceTheKeysHaveRotated) {
  Shopper("C-alpha-0001", "dev-1");
  ASSERT_TRUE(cell_->RecordDeliveries({To("http://a.example/hook", "C-alpha-0001", "k1")}).ok());
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-alpha-0001").ok());
  Copy("copy");
  auto before = NoticesInCopy("copy");
  ASSERT_TRUE(before.ok()) << "the bound: until the rotation, the copy reads it";
  ASSERT_EQ(before->size(), 1u);
  EXPECT_TRUE(cell_->rekey_due());
  auto rotation = cell_->RotateKeys();
  ASSERT_TRUE(rotation.ok()) << rotation.status().ToString();
  EXPECT_EQ(rotation->rewrapped, 1u) << "the notice's key";
  EXPECT_FALSE(cell_->rekey_due());

  auto copied = NoticesInCopy("copy");
  EXPECT_FALSE(copied.ok()) << "the copy's notice opened: " << (copied.ok() && !copied->empty() ? (*copied)[0].body : "");
  EXPECT_EQ(copied.status().code(), Code::kFailedPrecondition) << copied.status().ToString();
  EXPECT_FALSE(DirectoryContains(root_ / "copy", "C-alpha-0001"));
  auto live = cell_->QueuedNotices(10);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_EQ(live->size(), 1u);
  EXPECT_NE((*live)[0].body.find(R"("ids":[{"customer_id":"C-alpha-0001"}])"), std::string::npos) << "still delivered";
  Reopen();
  EXPECT_EQ(cell_->QueuedNotices(10)->size(), 1u);
}

// A delivered notice's rows linger in the region's files (the write-ahead
// log here) and in copies: deleting it marks a rotation due, after which
// neither opens with the region's keys.
TEST_F(DeliveriesTest, ADeliveredNoticeLeavesNothingReadableOnceTheRotationItMadeDueHasRun) {
  Shopper("C-alpha-0001", "dev-1");
  ASSERT_TRUE(cell_->RecordDeliveries({To("http://a.example/hook", "C-alpha-0001", "k1")}).ok());
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-alpha-0001").ok());
  ASSERT_TRUE(cell_->RotateKeys().ok());  // the erasure's
  ASSERT_FALSE(cell_->rekey_due());
  const auto rows = NoticeRows();
  ASSERT_FALSE(rows.empty());
  Copy("undelivered");
  auto queued = cell_->QueuedNotices(10);
  ASSERT_TRUE(queued.ok() && queued->size() == 1u);

  ASSERT_TRUE(cell_->DropNotice((*queued)[0].id).ok());  // delivered
  EXPECT_TRUE(NoticeRows().empty());
  EXPECT_TRUE(cell_->rekey_due()) << "its key is still wrapped, in the files, under the current KEK";
  ASSERT_TRUE(cell_->store().Sync().ok());
  for (const auto& [k, v] : rows) EXPECT_TRUE(DirectoryContains(root_ / "data", v)) << "the deleted rows linger";
  auto recovered = NoticesInCopy("undelivered");
  ASSERT_TRUE(recovered.ok()) << "the bound: until the rotation, the leftovers open";
  ASSERT_EQ(recovered->size(), 1u);
  Reopen();
  EXPECT_TRUE(cell_->rekey_due()) << "stored";

  ASSERT_TRUE(cell_->RotateKeys().ok());
  EXPECT_FALSE(cell_->rekey_due());
  Copy("rotated");
  auto leftovers = NoticesInCopy("rotated", rows);
  EXPECT_FALSE(leftovers.ok()) << "a deleted notice's rows, recovered from the files, opened";
  auto copied = NoticesInCopy("undelivered");
  EXPECT_FALSE(copied.ok()) << "the copy made before the delivery opened its notice";
  ASSERT_TRUE(cell_->DropNotice((*queued)[0].id).ok()) << "dropping again is no error";
  EXPECT_FALSE(cell_->rekey_due()) << "and destroys nothing";
}

// A retry rewrites the notice's retry state, never its sealed body.
TEST_F(DeliveriesTest, ARescheduleLeavesTheSealedNoticeAsItWas) {
  Shopper("C-alpha-0001", "dev-1");
  ASSERT_TRUE(cell_->RecordDeliveries({To("http://a.example/hook", "C-alpha-0001", "k1")}).ok());
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-alpha-0001").ok());
  const auto rows = NoticeRows();
  Cell::ErasureNotice n = (*cell_->QueuedNotices(10))[0];
  n.passes = 2;
  n.next_attempt += 5;
  ASSERT_TRUE(cell_->RescheduleNotice(n).ok());
  const auto after = NoticeRows();
  ASSERT_EQ(after.size(), rows.size());
  size_t unchanged = 0;
  for (size_t i = 0; i < rows.size(); ++i) unchanged += rows[i] == after[i];
  EXPECT_EQ(unchanged, rows.size() - 1) << "only the retry state is rewritten";
  EXPECT_EQ((*cell_->QueuedNotices(10))[0].passes, 2u);
  ASSERT_TRUE(cell_->DropNotice(n.id).ok());
  EXPECT_EQ(cell_->RescheduleNotice(n).code(), Code::kNotFound) << "no retry state is left alone";
  EXPECT_TRUE(cell_->QueuedNotices(10)->empty());
}

// A notice queued by an earlier release (one row sealed under a key derived
// from the pseudonym key, which never rotates) is moved under a key of its
// own when the region opens, and its old row leaves the region's files.
TEST_F(DeliveriesTest, ANoticeOfAnEarlierReleaseIsMovedUnderItsOwnKeyAtOpen) {
  cell_.reset();
  auto keys = LoadOrCreateRegionKeys((root_ / "keys").string(), "eu");
  ASSERT_TRUE(keys.ok());
  Key256 legacy;
  crypto_kdf_derive_from_key(legacy.data(), legacy.size(), 1, "cfnotice", keys->pseudonym_key.data());
  const Micros at = *ParseRfc3339("2026-01-02T03:04:05Z");
  std::string row;
  PutFixed64BE(row, OrderedInt64(at));
  row += "12345678";
  std::string plain(1, '\x01');
  PutFixed64BE(plain, OrderedInt64(at + 60));
  PutFixed32BE(plain, 2);
  for (std::string_view s : {"http://a.example/hook", "a.example/hook", "subject-hex", R"({"ids":[{"customer_id":"C-old"}]})"})
    PutLengthPrefixed(plain, s);
  const std::string sealed = Seal(legacy, plain, row);
  {
    auto store = RocksDbStoreFactory()((root_ / "data/eu").string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    WriteBatch batch;
    batch.Put(Family::kNotices, row, sealed);
    ASSERT_TRUE((*store)->Write(batch).ok());
  }
  ASSERT_TRUE(DirectoryContains(root_ / "data", sealed));
  Reopen();
  auto queued = cell_->QueuedNotices(10);
  ASSERT_TRUE(queued.ok()) << queued.status().ToString();
  ASSERT_EQ(queued->size(), 1u);
  const auto& n = (*queued)[0];
  EXPECT_EQ(n.id, HexEncode(row));
  EXPECT_EQ(n.queued_at, at);
  EXPECT_EQ(n.next_attempt, at + 60);
  EXPECT_EQ(n.passes, 2u);
  EXPECT_EQ(n.url, "http://a.example/hook");
  EXPECT_EQ(n.recipient, "a.example/hook");
  EXPECT_EQ(n.subject, "subject-hex");
  EXPECT_EQ(n.body, R"({"ids":[{"customer_id":"C-old"}]})");
  for (const auto& [k, v] : NoticeRows()) EXPECT_EQ(k.size(), 17u) << "the old row is gone";
  EXPECT_FALSE(DirectoryContains(root_ / "data", sealed)) << "from the files too";
  Reopen();
  EXPECT_EQ(cell_->QueuedNotices(10)->size(), 1u);
  ASSERT_TRUE(cell_->RotateKeys().ok());
  EXPECT_EQ(cell_->QueuedNotices(10)->size(), 1u) << "its key rotates with the others";
}

}  // namespace
}  // namespace confide
