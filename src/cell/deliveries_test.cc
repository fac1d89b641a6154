// Downstream recipients in the cell: delivery records kept with the
// shopper's data, and what an erasure leaves for those recipients (a
// sealed notice per recipient, an entry in the erasure list).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "cell/cell.h"
#include "core/scratch_dir.h"
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

}  // namespace
}  // namespace confide
