#include "crypto/webhook_secret.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "core/bytes.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

TEST(WebhookSecret, CreatedOnceThenReadBackAndTheEnvironmentWins) {
  InitCrypto();
  ScratchDir dir;
  auto made = LoadOrCreateWebhookSecret(dir.path().string(), "eu");
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ(made->source, (dir.path() / "eu.webhook").string());
  auto again = LoadOrCreateWebhookSecret(dir.path().string(), "eu");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->key, made->key);
  ::setenv("CONFIDE_WEBHOOK_SECRET_EU", std::string(64, 'b').c_str(), 1);
  auto env = LoadOrCreateWebhookSecret(dir.path().string(), "eu");
  ::setenv("CONFIDE_WEBHOOK_SECRET_EU", "nothex", 1);
  auto bad = LoadOrCreateWebhookSecret(dir.path().string(), "eu");
  ::unsetenv("CONFIDE_WEBHOOK_SECRET_EU");
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->source, "env");
  EXPECT_EQ(env->key[0], 0xbb);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("CONFIDE_WEBHOOK_SECRET_EU"), std::string::npos);
  EXPECT_EQ(bad.status().message().find("nothex"), std::string::npos) << "never echo the secret";
}

TEST(WebhookSecret, SignaturesVerifyOnlyForTheSameBodySecretAndWindow) {
  InitCrypto();
  Key256 secret = RandomKey();
  const std::string body = R"({"type":"erasure"})";
  std::string header = SignWebhook(secret, 1'700'000'000, body);
  EXPECT_EQ(header.rfind("t=1700000000,v1=", 0), 0u) << header;
  EXPECT_EQ(header.size(), std::string("t=1700000000,v1=").size() + 64);
  EXPECT_TRUE(VerifyWebhookSignature(secret, header, body, 1'700'000'100, 300));
  EXPECT_FALSE(VerifyWebhookSignature(secret, header, body + " ", 1'700'000'100, 300)) << "another body";
  EXPECT_FALSE(VerifyWebhookSignature(RandomKey(), header, body, 1'700'000'100, 300)) << "another secret";
  EXPECT_FALSE(VerifyWebhookSignature(secret, header, body, 1'700'000'301, 300)) << "a replay after the window";
  EXPECT_FALSE(VerifyWebhookSignature(secret, "t=1700000001" + header.substr(12), body, 1'700'000'100, 300))
      << "the time is signed";
  for (const char* bad : {"", "v1=00", "t=x,v1=00", "t=1700000000,v1=zz"})
    EXPECT_FALSE(VerifyWebhookSignature(secret, bad, body, 1'700'000'000, 300)) << bad;
}

TEST(WebhookSecret, MatchesAndSignaturesAreWhatAReceiverComputes) {
  InitCrypto();
  Key256 zero{};
  // Python: hmac.new(bytes(32), b"customer:C-1", hashlib.sha256).hexdigest()
  EXPECT_EQ(ErasureMatch(zero, "customer", "C-1"), "9f08eb59bf21a5362dead972dfb2aeb71c1ad9e3d076f7a2f1be17f102bd1486");
  EXPECT_NE(ErasureMatch(zero, "loyalty", "C-1"), ErasureMatch(zero, "customer", "C-1"));
  // hmac.new(bytes(32), b'1700000000.{"type":"erasure"}', hashlib.sha256).hexdigest()
  EXPECT_EQ(SignWebhook(zero, 1'700'000'000, R"({"type":"erasure"})"),
            "t=1700000000,v1=5309bb718326a91b80993db7b061f56d30d39b7004f3fb49c5722d6ea609be3d");
}

}  // namespace
}  // namespace confide
