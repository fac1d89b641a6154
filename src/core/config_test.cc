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

TEST(Config, ARegionOnPostgresqlGetsASchemaNamedAfterIt) {
  auto c = ParseConfig(R"(
[[regions]]
id = "eu-west"
currency = "EUR"
store = "postgresql"
postgresql = "postgresql://db1,db2/confide?target_session_attrs=read-write"
[[regions]]
id = "us"
currency = "USD"
store = "postgresql"
postgresql = "host=db user=confide"
postgresql_schema = "retail_us"
nodes = "several"
)",
                       "confide.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const RegionConfig* eu = c->FindRegion("eu-west");
  EXPECT_EQ(eu->store, RegionConfig::Store::kPostgresql);
  EXPECT_EQ(eu->postgresql_schema, "confide_eu_west");
  EXPECT_EQ(c->FindRegion("us")->postgresql_schema, "retail_us");
  EXPECT_FALSE(eu->several_nodes);
  EXPECT_TRUE(c->FindRegion("us")->several_nodes);
  EXPECT_EQ(DefaultConfig().FindRegion("eu")->store, RegionConfig::Store::kRocksDb);
}

TEST(Config, APasswordInAConnectionStringIsRefusedInEveryForm) {
  for (const char* conninfo :
       {"host=db password=s3cret", "host=db PASSWORD = s3cret", "password=x", "postgresql://u:s3cret@db/c",
        "postgres://u:@db/c", "postgresql://db/c?password=x", "postgresql://db/c?sslmode=require&PassWord=x",
        "postgresql://u@db/c?pass%77ord=x", "postgresql://u@db/c?%70assword=x"}) {
    auto c = ParseConfig(std::string("[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nstore = \"postgresql\"\n") +
                             "postgresql = \"" + conninfo + "\"",
                         "confide.toml");
    ASSERT_FALSE(c.ok()) << conninfo;
    EXPECT_NE(c.status().message().find("holds a password"), std::string::npos) << conninfo;
  }
  for (const char* conninfo : {"postgresql://db/password_db", "host=db dbname=passwords", "postgresql://u@db:5432/c"}) {
    auto c = ParseConfig(std::string("[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nstore = \"postgresql\"\n") +
                             "postgresql = \"" + conninfo + "\"",
                         "confide.toml");
    EXPECT_TRUE(c.ok()) << conninfo << ": " << c.status().ToString();
  }
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
erasure_rekey_seconds = 600
[recommend]
regularization = 15.6
regularization_scale = "per_entry"
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
id = "0a1b2c3d"
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
  EXPECT_EQ(c->retention.erasure_rekey_seconds, 600u);
  EXPECT_EQ(c->recommend.regularization, 15.6);
  EXPECT_EQ(c->recommend.regularization_scale, "per_entry");
  EXPECT_EQ(c->recommend.alpha, 1.0);
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
      {"[retention]\nerasure_rekey_seconds = 0",
       "confide.toml: retention.erasure_rekey_seconds: must be between 1 and 86400"},
      {"[[api_keys]]\nid = \"a\"\nhash = \"xyz\"\nscopes=[\"admin\"]\nregions=[\"*\"]",
       "confide.toml: api_keys[0].hash: must be 64 lower-case hex"},
      {"[[api_keys]]\nid = \"a\"\nhash = \"0000000000000000000000000000000000000000000000000000000000000000\"\n"
       "scopes=[\"sell\"]\nregions=[\"*\"]",
       "confide.toml: api_keys[0].scopes: unknown scope \"sell\" (scopes: ingest, catalog,"},
      {"[[api_keys]]\nid = \"q}<b>\"\nhash = \"0000000000000000000000000000000000000000000000000000000000000000\"\n"
       "scopes=[\"admin\"]\nregions=[\"*\"]",
       "confide.toml: api_keys[0].id: must be 8 lower-case hex characters"},
      {"[analytics]\nrho_per_month = 0", "confide.toml: analytics.rho_per_month: must be between"},
      {"[analytics]\ndefault_rho = 2", "confide.toml: analytics.default_rho: must not exceed rho_per_month"},
      {"[staff]\nsession_seconds = 7200\nmax_session_seconds = 3600",
       "confide.toml: staff.session_seconds: must not exceed max_session_seconds"},
      {"[staff]\ncounter_code_seconds = 10", "confide.toml: staff.counter_code_seconds: must be between 60 and 3600"},
      {"[staff]\nrole = \"x\"", "confide.toml: staff.role: unknown key"},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\ncollect_without_grant = \"browsing\"",
       "confide.toml: regions[0].collect_without_grant: must be \"all\", \"purchases\" or \"none\", not \"browsing\""},
      {"[[regions]]\nid = \"us\"\nlegal_basis = \"opt_out\"\ncurrency = \"USD\"\ncollect_without_grant = \"none\"",
       "confide.toml: regions[0].collect_without_grant: applies to opt_in regions only"},
      {"[recommend]\nregularization_scale = \"weighted\"",
       "confide.toml: recommend.regularization_scale: must be \"constant\", \"per_entry\" or \"relative\", not \"weighted\""},
      {"[[regions]]\nid = \"us\"\nlegal_basis = \"opt_out\"\ncurrency = \"USD\"\nendpoint = \"ftp:// bad url\"",
       "confide.toml: regions[0].endpoint: must be an http:// or https:// URL, not \"ftp:// bad url\""},
      {"threads = [", "confide.toml:1:"},
      {"shutdown_grace_seconds = 301", "confide.toml: shutdown_grace_seconds:"},
      {"shutdown_timeout_seconds = 0", "confide.toml: shutdown_timeout_seconds:"},
      {"[server]\nallowed_origins = [\"shop.example\"]", "confide.toml: server.allowed_origins: must be origins"},
      {"[server]\nallowed_origins = [\"https://shop.example/\"]", "confide.toml: server.allowed_origins: must be origins"},
      {"[server]\nallowed_origins = [\"https://shop.example:99999x\"]", "confide.toml: server.allowed_origins:"},
      {"[server]\nlisten = \"x\"", "confide.toml: server.listen"},
      {"[server]\ntls_cert = \"node.pem\"", "confide.toml: server.tls_key: is required with the other of the two"},
      {"[server]\ntls_key = \"node.key\"", "confide.toml: server.tls_cert: is required with the other of the two"},
      {"backup_dir = 3", "confide.toml: backup_dir: must be a string"},
      {"[experiment]\nvariants = []", "confide.toml: experiment.name: required"},
      {"[experiment]\nname = \"Lift 1\"", "confide.toml: experiment.name: required: 1-64 characters"},
      {"[experiment]\nname = \"l\"\nholdout = 5", "confide.toml: experiment.holdout: unknown key"},
      {"[experiment]\nname = \"l\"\nvariants = [{ name = \"a\", percent = 100 }]",
       "confide.toml: experiment.variants: must be an array of 2 to 8 tables"},
      {"[experiment]\nname = \"l\"\nvariants = [{ name = \"a\", percent = 60 }, { name = \"b\", percent = 30 }]",
       "confide.toml: experiment.variants: the percents must add up to 100"},
      {"[experiment]\nname = \"l\"\nvariants = [{ name = \"a\", percent = 50 }, { name = \"a\", percent = 50 }]",
       "confide.toml: experiment.variants[1].name: \"a\" is listed twice"},
      {"[experiment]\nname = \"l\"\nvariants = [{ name = \"no_grant\", percent = 50 }, { name = \"b\", percent = 50 }]",
       "confide.toml: experiment.variants[0].name: \"no_grant\" names the shoppers outside"},
      {"[experiment]\nname = \"l\"\nvariants = [{ name = \"a\", percent = 50.005 }, { name = \"b\", percent = 49.995 }]",
       "confide.toml: experiment.variants[0].percent: at most two decimals"},
      {"[experiment]\nname = \"l\"\nvariants = [{ name = \"a\" }, { name = \"b\", percent = 100 }]",
       "confide.toml: experiment.variants[0].percent: required"},
      {"[experiment]\nname = \"l\"\nvariants = [{ name = \"a\", percent = 0 }, { name = \"b\", percent = 100 }]",
       "confide.toml: experiment.variants[0].percent: must be between"},
      {"[experiment]\nname = \"l\"\nattribution_days = 0", "confide.toml: experiment.attribution_days: must be between 1 and 90"},
      {"[experiment]\nname = \"l\"\nmax_revenue_per_shopper = 0",
       "confide.toml: experiment.max_revenue_per_shopper: must be between 1 and 1000000"},
      {"[experiment]\nname = \"l\"\nguardrail_days = -1", "confide.toml: experiment.guardrail_days: must be between 0 and 90"},
      {"[experiment]\nname = \"l\"\nguardrail_window_days = 0",
       "confide.toml: experiment.guardrail_window_days: must be between 1 and 90"},
      {"[experiment]\nname = \"l\"\nguardrail_rho = \"a little\"", "confide.toml: experiment.guardrail_rho: must be a number"},
      {"[experiment]\nname = \"l\"\nguardrail_rho = nan", "confide.toml: experiment.guardrail_rho: must be between"},
      {"[analytics]\ndefault_rho = nan", "confide.toml: analytics.default_rho: must be between"},
      {"[experiment]\nname = \"l\"\nguardrail_rho = 0.2",
       "confide.toml: experiment.guardrail_rho: must not exceed analytics.max_rho_per_query"},
  };
  for (const auto& bad : cases) {
    auto c = ParseConfig(bad.toml, "confide.toml");
    ASSERT_FALSE(c.ok()) << bad.toml;
    EXPECT_EQ(c.status().message().rfind(bad.expected_message, 0), 0u)
        << "got: " << c.status().message();
  }
}

TEST(Config, RegionStoreErrorsNameTheKey) {
  const BadCase cases[] = {
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nstore = \"mysql\"",
       "confide.toml: regions[0].store: must be \"rocksdb\" or \"postgresql\", not \"mysql\""},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nstore = \"postgresql\"",
       "confide.toml: regions[0].postgresql: is required with store = \"postgresql\""},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\npostgresql = \"host=db\"",
       "confide.toml: regions[0].store: must be \"postgresql\" when postgresql or postgresql_schema is set"},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nstore = \"postgresql\"\npostgresql = \"host=db "
       "password=s3cret\"",
       "confide.toml: regions[0].postgresql: holds a password"},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nstore = \"postgresql\"\npostgresql = "
       "\"postgresql://u:s3cret@db/c\"",
       "confide.toml: regions[0].postgresql: holds a password"},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nstore = \"postgresql\"\npostgresql = \"host=db\"\n"
       "postgresql_schema = \"Confide\"",
       "confide.toml: regions[0].postgresql_schema: must be 1-63 characters of a-z, 0-9 and _"},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nstore = \"postgresql\"\npostgresql = "
       "\"host=db\"\nnodes = \"all\"",
       "confide.toml: regions[0].nodes: must be \"one\" or \"several\", not \"all\""},
      {"[[regions]]\nid = \"eu\"\ncurrency = \"EUR\"\nnodes = \"several\"",
       "confide.toml: regions[0].nodes: \"several\" needs store = \"postgresql\""},
  };
  for (const auto& bad : cases) {
    auto c = ParseConfig(bad.toml, "confide.toml");
    ASSERT_FALSE(c.ok()) << bad.toml;
    EXPECT_EQ(c.status().message().rfind(bad.expected_message, 0), 0u) << "got: " << c.status().message();
  }
}

TEST(Config, AnExperimentTakesItsVariantsInOrderOrTheDefaultHoldout) {
  auto none = ParseConfig("", "confide.toml");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->experiment);
  auto lift = ParseConfig("[experiment]\nname = \"lift-1\"", "confide.toml");
  ASSERT_TRUE(lift.ok()) << lift.status().ToString();
  ASSERT_TRUE(lift->experiment);
  EXPECT_EQ(lift->experiment->variants,
            (std::vector<ExperimentVariant>{{"personalized", 9500}, {"holdout", 500}}));
  EXPECT_EQ(lift->experiment->attribution_days, 7u);
  EXPECT_EQ(lift->experiment->max_revenue_per_shopper, 1000u);
  EXPECT_EQ(lift->experiment->guardrail_days, 3u);
  EXPECT_EQ(lift->experiment->guardrail_window_days, 7u);
  EXPECT_EQ(lift->experiment->guardrail_rho, 0.005);
  auto off = ParseConfig("[experiment]\nname = \"lift-1\"\nguardrail_days = 0\nguardrail_rho = 0.2", "confide.toml");
  ASSERT_TRUE(off.ok()) << "no guardrail, nothing to spend: " << off.status().ToString();
  auto three = ParseConfig(
      "[experiment]\nname = \"three\"\nattribution_days = 14\nmax_revenue_per_shopper = 250\nvariants = [{ name = \"new_model\", percent = 47.5 }, "
      "{ name = \"personalized\", percent = 47.5 }, { name = \"holdout\", percent = 5 }]",
      "confide.toml");
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  EXPECT_EQ(three->experiment->variants,
            (std::vector<ExperimentVariant>{{"new_model", 4750}, {"personalized", 4750}, {"holdout", 500}}));
  EXPECT_EQ(three->experiment->attribution_days, 14u);
  EXPECT_EQ(three->experiment->max_revenue_per_shopper, 250u);
}

TEST(Config, JourneysSections) {
  auto c = ParseConfig(R"(
[journeys]
cart_line_ttl_days = 7

[cart_recovery]
abandon_after_minutes = 90
max_age_days = 14
incentives = [{min_value = 20, percent = 5}, {min_value = 80.5, percent = 12}]
webhook_url = "http://127.0.0.1:9000/hooks/cart"
webhook_attempts = 6
webhook_timeout_ms = 2500

[replenishment]
min_purchases = 3
prior_weight = 1.5
auto_order_confidence = 0.6
min_confidence = 0.2

[suggestions]
top = 8
horizon_days = 10
out_dir = "/var/lib/confide/outbound"
interval_hours = 24
)", "t.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->journeys.cart_line_ttl_days, 7u);
  EXPECT_EQ(DefaultConfig().journeys.cart_line_ttl_days, 30u);
  EXPECT_EQ(c->cart_recovery.abandon_after_minutes, 90u);
  EXPECT_EQ(c->cart_recovery.max_age_days, 14u);
  ASSERT_EQ(c->cart_recovery.incentives.size(), 2u);
  EXPECT_EQ(c->cart_recovery.incentives[1].min_value, 80'500'000);
  EXPECT_EQ(c->cart_recovery.incentives[1].percent, 12u);
  EXPECT_EQ(c->cart_recovery.webhook_url, "http://127.0.0.1:9000/hooks/cart");
  EXPECT_EQ(c->cart_recovery.webhook_attempts, 6u);
  EXPECT_EQ(c->replenishment.min_purchases, 3u);
  EXPECT_DOUBLE_EQ(c->replenishment.auto_order_confidence, 0.6);
  EXPECT_DOUBLE_EQ(c->replenishment.min_confidence, 0.2);
  EXPECT_EQ(c->suggestions.top, 8u);
  EXPECT_EQ(c->suggestions.interval_hours, 24u);
  EXPECT_EQ(DefaultConfig().cart_recovery.incentives.size(), 2u);

  const BadCase cases[] = {
      {"[journeys]\ncart_line_ttl_days = -1", "t.toml: journeys.cart_line_ttl_days: must be between 0"},
      {"[journeys]\ncart_ttl_days = 3", "t.toml: journeys.cart_ttl_days: unknown key"},
      {"[cart_recovery]\nabandon_after_minutes = 0", "t.toml: cart_recovery.abandon_after_minutes: must be between 1"},
      {"[cart_recovery]\nwebhook_url = \"ftp://x/\"", "t.toml: cart_recovery.webhook_url: must start with https:// or http://"},
      {"[cart_recovery]\nwebhook_ca_file = \"/nonexistent/ca.pem\"", "t.toml: cart_recovery.webhook_ca_file: cannot be read"},
      {"[cart_recovery]\nwebhook_url = \"https://u:p@x/\"", "t.toml: cart_recovery.webhook_url: must carry no user:password@"},
      {"[cart_recovery]\nwebhook_url = \"https://x/a#b\"", "t.toml: cart_recovery.webhook_url: must carry no user:password@"},
      {"[cart_recovery]\nincentives = [{min_value = 50, percent = 5}, {min_value = 20, percent = 9}]",
       "t.toml: cart_recovery.incentives[1].min_value: bands must be in ascending order"},
      {"[cart_recovery]\nincentives = [{min_value = 50, percent = 95}]",
       "t.toml: cart_recovery.incentives[0].percent: must be between 0 and 90"},
      {"[cart_recovery]\nincentives = [{minimum = 50}]", "t.toml: cart_recovery.incentives[0].minimum: unknown key"},
      {"[replenishment]\nmin_purchases = 1", "t.toml: replenishment.min_purchases: must be between 2"},
      {"[replenishment]\nauto_order_confidence = 2", "t.toml: replenishment.auto_order_confidence: must be between"},
      {"[suggestions]\ninterval_hours = 24", "t.toml: suggestions.out_dir: is required when interval_hours is set"},
      {"[suggestions]\ntop = 0", "t.toml: suggestions.top: must be between 1 and 100"},
  };
  for (const auto& bad : cases) {
    auto r = ParseConfig(bad.toml, "t.toml");
    ASSERT_FALSE(r.ok()) << bad.toml;
    EXPECT_EQ(r.status().message().rfind(bad.expected_message, 0), 0u) << "got: " << r.status().message();
  }
}

TEST(Config, SplitList) {
  EXPECT_EQ(SplitList("eu, us,,apac"), (std::vector<std::string>{"eu", "us", "apac"}));
}

}  // namespace
}  // namespace confide
