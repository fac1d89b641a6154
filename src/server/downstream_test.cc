// What downstream systems learn of an erasure, in process: the webhook
// receiver that was sent a shopper's cart-recovery offer gets a signed
// erasure notice (retried while it is down, delivered after a restart),
// one that never got the shopper's data gets nothing, GET /erasures lists
// the erasure as match values, and deliveries and exports are audited with
// their recipient.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "crypto/webhook_secret.h"
#include "journeys/test_receiver.h"
#include "testing/server_fixture.h"

namespace confide {
namespace {

std::string Ago(int minutes) { return FormatRfc3339((NowMicros() / kMicrosPerSecond - minutes * 60) * kMicrosPerSecond); }

class DownstreamTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    auto r = Send(admin_, "PUT", "/v1/eu/products", R"([{"id":"coffee","title":"Coffee","category":"coffee","price":50}])");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Configure(Config& config) override {
    receiver_ = std::make_unique<Receiver>(Script());
    config.cart_recovery.webhook_url = receiver_->url() + "?token=kept-out-of-records";
    config.cart_recovery.webhook_attempts = 2;
    config.cart_recovery.webhook_timeout_ms = 2000;
    config.downstream.notice_retry_ms = 50;
    dsar_ = Key({"dsar"});
  }
  virtual std::deque<int> Script() { return {}; }

  // A shopper with an abandoned cart; with `marketing`, offered to the receiver.
  void Shopper(const std::string& id, bool marketing) {
    auto r = Send(admin_, "PUT", "/v1/eu/customers/" + id + "/consent",
                  std::string(R"({"purposes":{"marketing":)") + (marketing ? "true" : "false") + "}}");
    ASSERT_EQ(r.status, 200) << r.body;
    r = Send(admin_, "POST", "/v1/eu/events",
             R"([{"event_id":")" + id + R"(-e","type":"add_to_cart","timestamp":")" + Ago(90) + R"(","customer_id":")" +
                 id + R"(","anonymous_id":")" + id + R"(-device","channel":"web","product_id":"coffee","quantity":1}])");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Deliver() {
    auto r = Send(admin_, "POST", "/v1/eu/offers/cart-recovery/deliver");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void Erase(const std::string& id, const std::string& kind = "customer") {
    auto r = Send(dsar_, "DELETE", "/v1/eu/customers/" + id + "?id_kind=" + kind);
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::vector<Receiver::Got> Notices() {
    std::vector<Receiver::Got> out;
    for (auto& g : receiver_->got())
      if (g.body.find(R"("type":"erasure")") != std::string::npos) out.push_back(g);
    return out;
  }
  Key256 Secret() {
    auto s = LoadOrCreateWebhookSecret(config_.KeyDir(), "eu");
    EXPECT_TRUE(s.ok());
    return s.ok() ? s->key : Key256{};
  }
  bool Verifies(const Receiver::Got& g) {
    return VerifyWebhookSignature(Secret(), g.signature, g.body, NowMicros() / kMicrosPerSecond, 300);
  }
  std::string Recipient() { return receiver_->url().substr(std::string("http://").size()); }
  std::string Audit() { return Send(admin_, "GET", "/v1/eu/audit?limit=1000").body; }

  std::unique_ptr<Receiver> receiver_;
  NewApiKey dsar_;
};

// While an offer is being posted (the receiver's hook runs then): a second
// delivery of the region is refused; a shopper who withdraws marketing is
// sent nothing; one erased is sent nothing, and the outcome of the offer in
// flight is not written into a new shopper under the erased id; a
// marketing key sees only what went to the id it asks about.
TEST_F(DownstreamTest, WhatHappensDuringADeliveryIsHonouredBeforeEachSend) {
  const std::vector<std::string> ids = {"race-1", "race-2", "race-3"};
  for (const std::string& id : ids) Shopper(id, true);
  ASSERT_FALSE(HasFailure());
  int offers_sent = 0;
  std::string first_to;
  std::vector<std::string> others;
  ClientResponse concurrent;
  receiver_->set_on_request([&](const std::string& body) {
    if (body.find(R"("type":"erasure")") != std::string::npos || ++offers_sent > 1) return;
    for (const std::string& id : ids) (body.find('"' + id + '"') != std::string::npos ? first_to : others.emplace_back()) = id;
    concurrent = Send(marketing_, "POST", "/v1/eu/offers/cart-recovery/deliver");
    Send(admin_, "PUT", "/v1/eu/customers/" + others[0] + "/consent", R"({"purposes":{"marketing":false}})");
    Erase(first_to);  // the shopper whose offer is in flight, who then comes back as a new shopper
    Send(admin_, "POST", "/v1/eu/events",
         R"([{"event_id":"back","type":"view","timestamp":")" + FormatRfc3339(NowMicros() + kMicrosPerSecond) +
             R"(","customer_id":")" + first_to + R"(","channel":"web","product_id":"coffee"}])");
  });
  auto r = Send(marketing_, "POST", "/v1/eu/offers/cart-recovery/deliver");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(others.size(), 2u);
  EXPECT_EQ(concurrent.status, 409) << concurrent.body;
  EXPECT_NE(r.body.find(R"("outcome":"withdrawn")"), std::string::npos) << r.body;
  EXPECT_EQ(offers_sent, 2) << "the one in flight and the one still allowed: " << r.body;
  EXPECT_EQ(Send(dsar_, "GET", "/v1/eu/customers/" + first_to + "/deliveries").body, R"({"deliveries":[]})")
      << "the new shopper under the erased id was sent nothing";

  // A marketing key asking about a linked device id learns nothing of its customer's offers.
  const std::string device = others[1] + "-device";
  EXPECT_NE(Send(dsar_, "GET", "/v1/eu/customers/" + device + "/deliveries?id_kind=anonymous").body.find("cr-"),
            std::string::npos)
      << "the DPO sees the group's";
  EXPECT_EQ(Send(marketing_, "GET", "/v1/eu/customers/" + device + "/deliveries?id_kind=anonymous").body,
            R"({"deliveries":[]})");
  EXPECT_NE(Send(marketing_, "GET", "/v1/eu/customers/" + others[1] + "/deliveries").body.find("cr-"),
            std::string::npos);
}

// A delivery is made once per offer: its outcome replaces the record made
// before sending, is listed and audited under the shopper; a changed cart
// is a new offer.
TEST_F(DownstreamTest, AnOfferIsDeliveredOnceListedAndAuditedUnderItsShopper) {
  Shopper("once-1", true);
  Deliver();
  auto first = receiver_->got();
  ASSERT_EQ(first.size(), 1u);
  auto listed = Send(admin_, "GET", "/v1/eu/customers/once-1/deliveries");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find(R"("what":"cart_recovery_offer","reference":")" + first[0].key), std::string::npos)
      << listed.body;
  EXPECT_NE(listed.body.find(R"("outcome":"delivered","attempts":1)"), std::string::npos) << listed.body;
  EXPECT_EQ(listed.body.find("sending"), std::string::npos) << "the outcome replaced the record made before sending";
  EXPECT_EQ(listed.body.find("kept-out-of-records"), std::string::npos) << "never the URL's query";
  EXPECT_NE(Audit().find("cart_recovery_offer recipient=" + Recipient().substr(0, Recipient().find('?')) +
                         ",outcome=delivered,attempts=1"),
            std::string::npos);

  auto again = Send(admin_, "POST", "/v1/eu/offers/cart-recovery/deliver");
  EXPECT_NE(again.body.find(R"("delivered":0,"failed":0,"attempts":0,"already_delivered":1)"), std::string::npos)
      << again.body;
  EXPECT_EQ(receiver_->got().size(), 1u);
  auto changed = Send(admin_, "POST", "/v1/eu/events",
                      R"([{"event_id":"once-1-e2","type":"add_to_cart","timestamp":")" + Ago(80) +
                          R"(","customer_id":"once-1","channel":"web","product_id":"coffee","quantity":1}])");
  ASSERT_EQ(changed.status, 200) << changed.body;
  Deliver();
  ASSERT_EQ(receiver_->got().size(), 2u);
  EXPECT_NE(receiver_->got().back().key, first[0].key) << "a changed cart is a new offer";

  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/customers/once-1/deliveries").status, 403) << "marketing or dsar";
  Erase("once-1");
  EXPECT_EQ(Send(dsar_, "GET", "/v1/eu/customers/once-1/deliveries").body, R"({"deliveries":[]})");
}

TEST_F(DownstreamTest, TheRecipientOfAnOfferGetsASignedNoticeWhenTheShopperIsErased) {
  Shopper("n-1", true);
  Deliver();
  auto offers = receiver_->got();
  ASSERT_EQ(offers.size(), 1u);
  auto deliveries = server_->cell("eu")->DeliveriesOf(IdKind::kCustomer, "n-1");
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->size(), 1u);
  EXPECT_EQ((*deliveries)[0].recipient, Recipient()) << "host:port/path, no query";
  EXPECT_EQ((*deliveries)[0].reference, offers[0].key);
  EXPECT_EQ((*deliveries)[0].what, "cart_recovery_offer");

  Erase("n-1-device", "anonymous");  // by another of the shopper's ids
  ASSERT_TRUE(WaitUntil([&] { return !Notices().empty(); }));
  auto notice = Notices()[0];
  EXPECT_TRUE(Verifies(notice)) << notice.signature;
  EXPECT_EQ(notice.target, "/hooks/cart?token=kept-out-of-records") << "where the offers went";
  simdjson::dom::parser parser;
  auto doc = parser.parse(notice.body);
  EXPECT_EQ(doc["type"].get_string().value(), "erasure");
  EXPECT_EQ(doc["notice_id"].get_string().value(), notice.key) << "the Idempotency-Key";
  EXPECT_EQ(doc["ids"].at(0)["customer_id"].get_string().value(), "n-1") << "the id the receiver was given";
  EXPECT_EQ(doc["references"].at(0).get_string().value(), offers[0].key);
  EXPECT_FALSE(Verifies({notice.target, notice.key, notice.body + " ", notice.signature, notice.host})) << "a changed body fails";

  ASSERT_TRUE(WaitUntil([&] { return server_->cell("eu")->QueuedNotices(10)->empty(); })) << "dropped once delivered";
  EXPECT_TRUE(server_->cell("eu")->DeliveriesOf(IdKind::kCustomer, "n-1")->empty()) << "erased with the shopper";
  std::string audit = Audit();
  EXPECT_NE(audit.find("cart recovery offers recipient=" + Recipient() + ",offers=1,delivered=1"), std::string::npos)
      << audit;
  EXPECT_EQ(audit.find("kept-out-of-records"), std::string::npos);
  ASSERT_TRUE(WaitUntil([&] { return Audit().find("erasure notice delivered") != std::string::npos; }));
  EXPECT_NE(Audit().find("erasure notice delivered, attempts=1 recipient=" + Recipient()), std::string::npos);
}

TEST_F(DownstreamTest, AReceiverThatNeverGotTheShoppersDataGetsNothing) {
  Shopper("quiet", false);  // no marketing: never offered
  Shopper("offered", true);
  Deliver();
  ASSERT_EQ(receiver_->got().size(), 1u);
  Erase("quiet");
  EXPECT_TRUE(server_->cell("eu")->QueuedNotices(10)->empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(receiver_->got().size(), 1u) << "no notice";
}

class DownstreamRetryTest : public DownstreamTest {
  std::deque<int> Script() override { return {200, 503, -1}; }  // the offer, then down for one pass
};

TEST_F(DownstreamRetryTest, AReceiverDownAtFirstGetsTheNoticeOnRetry) {
  Shopper("r-1", true);
  Deliver();
  Erase("r-1");
  ASSERT_TRUE(WaitUntil([&] { return Notices().size() >= 3; }));
  auto notices = Notices();
  EXPECT_EQ(notices[0].key, notices[2].key) << "every attempt carries the notice id";
  EXPECT_TRUE(Verifies(notices[2]));
  ASSERT_TRUE(WaitUntil([&] { return server_->cell("eu")->QueuedNotices(10)->empty(); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(Notices().size(), 3u) << "not sent again once delivered";
}

TEST_F(DownstreamTest, ANoticeQueuedBeforeARestartIsDelivered) {
  Shopper("q-1", true);
  Deliver();
  server_.reset();
  {  // as `confide dsar erase` does, with no server running
    auto cell = Cell::Open(*config_.FindRegion("eu"), config_.data_dir, config_.KeyDir());
    ASSERT_TRUE(cell.ok()) << cell.status().ToString();
    ASSERT_TRUE((*cell)->Erase(IdKind::kCustomer, "q-1").ok());
    auto queued = (*cell)->QueuedNotices(10);
    ASSERT_TRUE(queued.ok());
    ASSERT_EQ(queued->size(), 1u);
    EXPECT_EQ((*queued)[0].recipient, Recipient());
  }
  EXPECT_TRUE(Notices().empty());
  Start();
  ASSERT_TRUE(WaitUntil([&] { return !Notices().empty(); }));
  EXPECT_TRUE(Verifies(Notices()[0]));
  EXPECT_NE(Notices()[0].body.find(R"("customer_id":"q-1")"), std::string::npos);
}

// A copy of the region directory made after the erasure and before the
// notice went out (a backup, a snapshot) holds the notice naming the
// erased ids: once delivered and the keys rotated, it opens no more with
// the region's key file.
TEST_F(DownstreamTest, ACopyMadeWhileANoticeWaitedOpensItNoMoreOnceDeliveredAndRotated) {
  Shopper("c-1", true);
  Deliver();
  server_.reset();
  const std::filesystem::path copy = root_ / "copy";
  {  // erased while no server runs, then copied
    auto cell = Cell::Open(*config_.FindRegion("eu"), config_.data_dir, config_.KeyDir());
    ASSERT_TRUE(cell.ok()) << cell.status().ToString();
    ASSERT_TRUE((*cell)->Erase(IdKind::kCustomer, "c-1").ok());
  }
  std::filesystem::create_directories(copy);
  std::filesystem::copy(std::filesystem::path(config_.data_dir) / "eu", copy / "eu",
                        std::filesystem::copy_options::recursive);
  Start();
  ASSERT_TRUE(WaitUntil([&] { return !Notices().empty(); }));
  EXPECT_NE(Notices()[0].body.find(R"("customer_id":"c-1")"), std::string::npos);
  ASSERT_TRUE(WaitUntil([&] { return Audit().find("erasure notice delivered") != std::string::npos; }));
  EXPECT_TRUE(server_->cell("eu")->rekey_due());
  auto r = Send(admin_, "POST", "/v1/eu/keys/rotate");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(server_->cell("eu")->rekey_due());

  auto copied = Cell::Open(*config_.FindRegion("eu"), copy.string(), config_.KeyDir());
  ASSERT_TRUE(copied.ok()) << "no shopper's data key is left in it: " << copied.status().ToString();
  auto notices = (*copied)->QueuedNotices(10);
  EXPECT_FALSE(notices.ok()) << "the copy's notice opened: " << (notices.ok() && !notices->empty() ? (*notices)[0].body : "");
}

TEST_F(DownstreamTest, TheErasureListGivesMatchValuesPagedBySince) {
  Shopper("l-1", false);
  Shopper("l-2", false);
  Erase("l-1");
  Erase("l-2");
  const Key256 secret = Secret();
  auto r = Send(dsar_, "GET", "/v1/eu/erasures");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body.find("l-1"), std::string::npos) << "no id in the clear";
  simdjson::dom::parser parser;
  auto all = parser.parse(r.body);
  ASSERT_EQ(all["erasures"].get_array().size(), 2u) << r.body;
  EXPECT_NE(r.body.find(ErasureMatch(secret, "customer", "l-1")), std::string::npos);
  EXPECT_NE(r.body.find(ErasureMatch(secret, "anonymous", "l-1-device")), std::string::npos) << "every linked id";

  auto first = Send(dsar_, "GET", "/v1/eu/erasures?limit=1");
  simdjson::dom::parser p1;
  auto page = p1.parse(first.body);
  ASSERT_EQ(page["erasures"].get_array().size(), 1u);
  EXPECT_TRUE(page["more"].get_bool().value());
  EXPECT_NE(first.body.find(ErasureMatch(secret, "customer", "l-1")), std::string::npos);
  std::string next(page["next_since"].get_string().value());
  auto second = Send(dsar_, "GET", "/v1/eu/erasures?limit=1&since=" + next);
  EXPECT_NE(second.body.find(ErasureMatch(secret, "customer", "l-2")), std::string::npos) << second.body;
  EXPECT_EQ(second.body.find(ErasureMatch(secret, "customer", "l-1")), std::string::npos);
  auto later = Send(dsar_, "GET", "/v1/eu/erasures?since=" + FormatRfc3339(NowMicros() + kMicrosPerSecond));
  EXPECT_NE(later.body.find(R"("erasures":[],"count":0,"more":false,"next_since":null)"), std::string::npos) << later.body;

  for (const char* bad : {"since=yesterday", "limit=0", "limit=1001", "limit=x"}) {
    auto refused = Send(dsar_, "GET", std::string("/v1/eu/erasures?") + bad);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_NE(refused.body.find(std::string(R"("field":")") + std::string(bad).substr(0, 5)), std::string::npos)
        << refused.body;
  }
  EXPECT_EQ(Send(recommend_, "GET", "/v1/eu/erasures").status, 403) << "dsar scope";
}

}  // namespace
}  // namespace confide
