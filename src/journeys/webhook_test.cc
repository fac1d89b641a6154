#include "journeys/webhook.h"

#include <gtest/gtest.h>

#include "journeys/test_receiver.h"

namespace confide {
namespace {

RecoveryOffer Offer(const std::string& key) {
  RecoveryOffer o;
  o.idempotency_key = key;
  o.to = {IdKind::kCustomer, "C-" + key};
  PricedLine l;
  l.line.product_id = "tea";
  l.line.quantity = 1;
  l.unit_price = 3'000'000;
  o.cart.lines.push_back(l);
  o.cart.value = 3'000'000;
  return o;
}

std::string Unsigned(std::string_view, int64_t t) { return "t=" + std::to_string(t); }

WebhookOptions Fast() {
  WebhookOptions o;
  o.attempts = 3;
  o.timeout = std::chrono::milliseconds(2000);
  o.backoff = std::chrono::milliseconds(5);
  return o;
}

TEST(Webhook, ParsesOnlyHttpUrls) {
  auto t = ParseWebhookUrl("http://hooks.example:8081/cart?x=1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "hooks.example");
  EXPECT_EQ(t->port, "8081");
  EXPECT_EQ(t->target, "/cart?x=1");
  EXPECT_EQ(ParseWebhookUrl("http://h")->target, "/");
  for (const char* bad : {"https://h/", "h:80", "http://:80/", "http://h:port/"})
    EXPECT_EQ(ParseWebhookUrl(bad).status().field(), "webhook_url") << bad;
}

TEST(Webhook, RetriesTransientFailuresWithTheSameIdempotencyKey) {
  Receiver receiver({503, -1, 200, 200});
  auto target = ParseWebhookUrl(receiver.url());
  ASSERT_TRUE(target.ok());
  DeliveryReport r = DeliverOffers(*target, Fast(), {Offer("k1"), Offer("k2")}, "EUR", Unsigned);
  EXPECT_EQ(r.delivered, 2u);
  EXPECT_EQ(r.failed, 0u);
  EXPECT_EQ(r.attempts, 4u);
  auto got = receiver.got();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].key, "k1");
  EXPECT_EQ(got[1].key, "k1");
  EXPECT_EQ(got[2].key, "k1") << "every retry carries the same key";
  EXPECT_EQ(got[3].key, "k2");
  EXPECT_EQ(got[0].target, "/hooks/cart");
  EXPECT_EQ(got[0].host, "127.0.0.1:" + target->port) << "Host carries the port (RFC 9110 7.2)";
  EXPECT_NE(got[3].body.find(R"("customer_id":"C-k2")"), std::string::npos) << got[3].body;
  EXPECT_NE(got[3].body.find(R"("currency":"EUR")"), std::string::npos);
}

TEST(Webhook, GivesUpAfterAttemptsAndOnAFinalClientError) {
  Receiver receiver({500, 500, 500, 400});
  auto target = ParseWebhookUrl(receiver.url());
  DeliveryReport r = DeliverOffers(*target, Fast(), {Offer("k1"), Offer("k2")}, "EUR", Unsigned);
  EXPECT_EQ(r.delivered, 0u);
  EXPECT_EQ(r.failed, 2u);
  EXPECT_EQ(r.attempts, 4u) << "three for k1, one for k2: a 400 is not retried";
}

TEST(Webhook, UnreachableReceiverFails) {
  WebhookTarget nowhere{"127.0.0.1", "1", "/"};
  DeliveryReport r = DeliverOffers(nowhere, Fast(), {Offer("k1")}, "EUR", Unsigned);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_EQ(r.attempts, 3u);
}

TEST(Webhook, ABodyCarriesHeadersMadeAtEachAttempt) {
  Receiver receiver({503, 200});
  auto target = ParseWebhookUrl(receiver.url());
  ASSERT_TRUE(target.ok());
  int made = 0;
  DeliveryReport r = DeliverBody(*target, Fast(), R"({"type":"erasure"})", "n1", [&] {
    ++made;
    return std::vector<std::pair<std::string, std::string>>{{"Confide-Signature", "t=" + std::to_string(made)}};
  });
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.attempts, 2u);
  auto got = receiver.got();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].signature, "t=1");
  EXPECT_EQ(got[1].signature, "t=2") << "made again for the retry";
  EXPECT_EQ(got[1].key, "n1");
  EXPECT_EQ(got[1].body, R"({"type":"erasure"})");
}

TEST(Webhook, RecipientsAreNamedWithoutSchemeDefaultPortOrQuery) {
  EXPECT_EQ(RecipientName(*ParseWebhookUrl("http://hooks.example/cart?token=s3cret")), "hooks.example/cart");
  EXPECT_EQ(RecipientName(*ParseWebhookUrl("http://hooks.example:8081/a/b")), "hooks.example:8081/a/b");
}

}  // namespace
}  // namespace confide
