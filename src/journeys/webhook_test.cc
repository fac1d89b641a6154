#include "journeys/webhook.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

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

// Each offer in turn, the reports summed.
DeliveryReport DeliverOffers(const WebhookTarget& target, const WebhookOptions& options,
                             const std::vector<RecoveryOffer>& offers, std::string_view currency,
                             const BodySigner& sign) {
  DeliveryReport report;
  for (const RecoveryOffer& offer : offers) report += DeliverOffer(target, options, offer, currency, sign);
  return report;
}

WebhookOptions Fast() {
  WebhookOptions o;
  o.attempts = 3;
  o.timeout = std::chrono::milliseconds(2000);
  o.backoff = std::chrono::milliseconds(5);
  return o;
}

TEST(Webhook, ParsesHttpAndHttpsUrls) {
  auto t = ParseWebhookUrl("http://hooks.example:8081/cart?x=1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->host, "hooks.example");
  EXPECT_EQ(t->port, "8081");
  EXPECT_EQ(t->target, "/cart?x=1");
  EXPECT_EQ(ParseWebhookUrl("http://h")->target, "/");
  EXPECT_FALSE(t->tls);
  auto secure = ParseWebhookUrl("https://hooks.example/cart");
  ASSERT_TRUE(secure.ok());
  EXPECT_TRUE(secure->tls);
  EXPECT_EQ(secure->port, "443");
  for (const char* bad : {"ftp://h/", "h:80", "http://:80/", "http://h:port/", "https://", "http://u:p@h:81/x",
                          "https://u@h/", "http://h/x#frag", "http://h#frag"})
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
  EXPECT_EQ(RecipientName(*ParseWebhookUrl("https://hooks.example/cart")), "hooks.example/cart");
  EXPECT_EQ(RecipientName(*ParseWebhookUrl("https://hooks.example:80/cart")), "hooks.example:80/cart");
}

// HTTPS against a real TLS server whose certificate a throwaway CA signed:
// delivered when that CA is trusted, refused (no request is sent) when
// only the system's store is, or when the certificate names another host.
class HttpsWebhook : public ::testing::Test {
 protected:
  void SetUp() override {
    material_ = MakeThrowawayCa("DNS:localhost");
    ca_file_ = std::filesystem::temp_directory_path() / ("confide-ca-" + std::to_string(::getpid()) + ".pem");
    std::ofstream(ca_file_) << material_.ca_pem;
  }
  void TearDown() override { std::filesystem::remove(ca_file_); }
  WebhookOptions Trusting(bool ca) {
    WebhookOptions o = Fast();
    o.attempts = 1;
    if (ca) o.ca_file = ca_file_.string();
    return o;
  }
  TlsMaterial material_;
  std::filesystem::path ca_file_;
};

TEST_F(HttpsWebhook, DeliversToACertificateTheTrustedCaSigned) {
  Receiver receiver({200}, "/hooks/cart", &material_);
  auto target = ParseWebhookUrl(receiver.url("localhost"));
  ASSERT_TRUE(target.ok());
  ASSERT_TRUE(target->tls);
  DeliveryReport r = DeliverOffers(*target, Trusting(true), {Offer("k1")}, "EUR", Unsigned);
  EXPECT_EQ(r.delivered, 1u);
  auto got = receiver.got();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "k1");
  EXPECT_EQ(got[0].host, "localhost:" + target->port) << "a port other than 443 is named";
  EXPECT_EQ(receiver.refused_handshakes(), 0);
}

TEST_F(HttpsWebhook, AnAnswerWithoutALengthCutWithoutCloseNotifyIsStillAnAnswer) {
  Receiver receiver({-2}, "/hooks/cart", &material_);
  DeliveryReport r = DeliverOffers(*ParseWebhookUrl(receiver.url("localhost")), Trusting(true), {Offer("k1")}, "EUR",
                                   Unsigned);
  EXPECT_EQ(r.delivered, 1u);
  EXPECT_EQ(r.attempts, 1u) << "not sent again";
}

TEST_F(HttpsWebhook, RefusesACertificateTheSystemStoreDoesNotTrust) {
  Receiver receiver({200}, "/hooks/cart", &material_);
  DeliveryReport r = DeliverOffers(*ParseWebhookUrl(receiver.url("localhost")), Trusting(false), {Offer("k1")}, "EUR",
                                   Unsigned);
  EXPECT_EQ(r.delivered, 0u);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_TRUE(receiver.got().empty()) << "nothing is sent to an unverified peer";
}

// The system's store is OpenSSL's default paths, which SSL_CERT_FILE
// overrides: pointing it at the throwaway CA shows that store is the one
// read when no CA file is configured.
TEST_F(HttpsWebhook, TrustsTheSystemStoreByDefault) {
  Receiver receiver({200}, "/hooks/cart", &material_);
  ASSERT_EQ(::setenv("SSL_CERT_FILE", ca_file_.c_str(), 1), 0);
  DeliveryReport r = DeliverOffers(*ParseWebhookUrl(receiver.url("localhost")), Trusting(false), {Offer("k1")}, "EUR",
                                   Unsigned);
  ::unsetenv("SSL_CERT_FILE");
  EXPECT_EQ(r.delivered, 1u);
}

TEST_F(HttpsWebhook, RefusesACertificateForAnotherHost) {
  Receiver receiver({200}, "/hooks/cart", &material_);  // the certificate names localhost only
  DeliveryReport r = DeliverOffers(*ParseWebhookUrl(receiver.url("127.0.0.1")), Trusting(true), {Offer("k1")}, "EUR",
                                   Unsigned);
  EXPECT_EQ(r.failed, 1u);
  EXPECT_TRUE(receiver.got().empty());
}

TEST_F(HttpsWebhook, APlainReceiverIsNotTakenForHttps) {
  Receiver plain({200});
  std::string url = plain.url("localhost");
  url.replace(0, 4, "https");
  DeliveryReport r = DeliverOffers(*ParseWebhookUrl(url), Trusting(true), {Offer("k1")}, "EUR", Unsigned);
  EXPECT_EQ(r.failed, 1u);
}

}  // namespace
}  // namespace confide
