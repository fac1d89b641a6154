#include "core/config.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

TEST(Config, DefaultsHostThreeRegions) {
  Config c = DefaultConfig();
  ASSERT_EQ(c.hosted_regions.size(), 3u);
  EXPECT_EQ(c.FindRegion("eu")->legal_basis, LegalBasis::kOptIn);
  EXPECT_EQ(c.FindRegion("us")->legal_basis, LegalBasis::kOptOut);
  EXPECT_EQ(c.FindRegion("apac")->currency, "SGD");
  EXPECT_TRUE(ValidateConfig(c, "defaults").ok());
}

TEST(Config, ParsesFullFile) {
  auto c = ParseConfig(R"(
data_dir = "/var/lib/confide"
listen = "0.0.0.0:9000"
threads = 4
tcf_vendor_id = 1952
hosted_regions = ["eu"]
[limits]
max_batch_events = 500
[retention]
browsing_days = 30
[[regions]]
id = "eu"
legal_basis = "opt_in"
currency = "EUR"
endpoint = "https://eu.example"
[[regions]]
id = "us"
legal_basis = "opt_out"
currency = "USD"
endpoint = "https://us.example"
[[api_keys]]
id = "k1"
hash = "0000000000000000000000000000000000000000000000000000000000000000"
scopes = ["ingest"]
regions = ["eu"]
)", "confide.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->data_dir, "/var/lib/confide");
  EXPECT_EQ(c->threads, 4u);
  EXPECT_EQ(c->tcf_vendor_id, 1952u);
  EXPECT_EQ(c->limits.max_batch_events, 500u);
  EXPECT_EQ(c->retention.browsing_days, 30u);
  EXPECT_EQ(c->retention.purchases_days, 2557u) << "unset keys keep their defaults";
  EXPECT_TRUE(c->Hosts("eu"));
  EXPECT_FALSE(c->Hosts("us"));
  EXPECT_EQ(c->FindRegion("us")->endpoint, "https://us.example");
  ASSERT_EQ(c->api_keys.size(), 1u);
  EXPECT_EQ(c->api_keys[0].scopes[0], "ingest");
}

struct BadCase {
  const char* toml;
  const char* expected_message;
};

TEST(Config, ErrorsNameFileAndKey) {
  const BadCase cases[] = {
      {"listen = 5", "confide.toml: listen: must be a string"},
      {"lsiten = \"x:1\"", "confide.toml: lsiten: unknown key"},
      {"[[regions]]\nid = \"eu\"\nlegal_basis = \"maybe\"\ncurrency = \"EUR\"",
       "confide.toml: regions[0].legal_basis: must be \"opt_in\" or \"opt_out\", not \"maybe\""},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"euro\"", "confide.toml: regions[0].currency: must be"},
      {"hosted_regions = [\"mars\"]", "confide.toml: hosted_regions: \"mars\" is not a configured region"},
      {"[limits]\nmax_json_depth = 0", "confide.toml: limits.max_json_depth: must be between 2 and 1024"},
      {"[[api_keys]]\nid = \"a\"\nhash = \"xyz\"\nscopes=[\"admin\"]\nregions=[\"*\"]",
       "confide.toml: api_keys[0].hash: must be 64 lower-case hex"},
      {"[[api_keys]]\nid = \"a\"\nhash = \"0000000000000000000000000000000000000000000000000000000000000000\"\n"
       "scopes=[\"sell\"]\nregions=[\"*\"]",
       "confide.toml: api_keys[0].scopes: unknown scope \"sell\""},
      {"threads = [", "confide.toml:1:"},
  };
  for (const auto& bad : cases) {
    auto c = ParseConfig(bad.toml, "confide.toml");
    ASSERT_FALSE(c.ok()) << bad.toml;
    EXPECT_EQ(c.status().message().rfind(bad.expected_message, 0), 0u)
        << "got: " << c.status().message();
  }
}

TEST(Config, SplitList) {
  EXPECT_EQ(SplitList("eu, us,,apac"), (std::vector<std::string>{"eu", "us", "apac"}));
}

}  // namespace
}  // namespace confide
