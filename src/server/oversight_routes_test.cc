// What a data-protection officer's console reads: GET /v1/session, the
// consent overview (counts below 10 withheld, a 30-day trend of decisions
// in force), the requests (newest first, a search that is itself audited),
// the audit log's pages (cursor, order, action) and residency and retention.
#include <gtest/gtest.h>

#include <string>

#include "privacy/retention.h"
#include "testing/server_test.h"

namespace confide {
namespace {

class OversightRoutesTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    StopServer();
    server_options_.cell.clock = &clock_;
    dsar_ = AddKey({"dsar"}, {"eu"});
    apac_only_ = AddKey({"dsar"}, {"apac"});
    StartServer();
  }
  ClientResponse Get(const NewApiKey& key, const std::string& target) {
    ApiClient c = Client(&key);
    return Call(c, "GET", target);
  }
  void Decide(const std::string& customer, const std::string& purpose, bool granted, const std::string& source) {
    Secret(customer);
    ApiClient c = Client(&admin_);
    ClientResponse r = Call(c, "PUT", "/v1/eu/customers/" + customer + "/consent",
                            R"({"purposes":{")" + purpose + "\":" + (granted ? "true" : "false") +
                                R"(},"source":")" + source + "\"}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  NewApiKey dsar_, apac_only_;
};

TEST_F(OversightRoutesTest, SessionNamesTheHostedRegionsAKeyReaches) {
  ClientResponse r = Get(admin_, "/v1/session");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/regions"), 2u) << "eu and us, not apac (hosted elsewhere): " << r.body;
  EXPECT_EQ(JStr(r.body, "/scopes/0"), "admin");
  r = Get(dsar_, "/v1/session");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JLen(r.body, "/regions"), 1u);
  EXPECT_EQ(JStr(r.body, "/regions/0"), "eu");
  r = Get(apac_only_, "/v1/session");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "regions");
  EXPECT_EQ(JStr(r.body, "/error/message"), "this key reaches no region hosted on this node");
  EXPECT_EQ(Get(revoked_, "/v1/session").status, 401);
}

TEST_F(OversightRoutesTest, ConsentOverviewWithholdsSmallCountsAndTrendsDecisionsInForce) {
  for (int i = 0; i < 12; ++i) Decide("stats-" + std::to_string(i), "analytics", true, i < 4 ? "api" : "store_kiosk");
  Decide("stats-0", "marketing", false, "api");
  clock_.Advance(std::chrono::hours(48));
  for (int i = 0; i < 11; ++i) Decide("stats-" + std::to_string(i), "analytics", false, "privacy_center");

  ClientResponse r = Get(admin_, "/v1/eu/consent/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/shoppers"), 12);
  EXPECT_EQ(JStr(r.body, "/purposes/2/purpose"), "analytics");
  EXPECT_EQ(JInt(r.body, "/purposes/2/refused"), 11);
  EXPECT_NE(r.body.find(R"({"purpose":"analytics","granted":null,"refused":11,"no_decision":null,)"), std::string::npos)
      << "one grant and no undecided: fewer than 10, withheld: " << r.body;
  EXPECT_EQ(JStr(r.body, "/purposes/2/by_source/0/source"), "privacy_center");
  EXPECT_EQ(JStr(r.body, "/purposes/2/by_source/1/source"), "other") << "api and the kiosk: fewer than 10 each";
  EXPECT_EQ(JLen(r.body, "/purposes/2/by_source"), 2u);
  EXPECT_NE(r.body.find(R"({"source":"privacy_center","granted":null,"refused":null})"), std::string::npos)
      << "its 11 of 11 refusals would tell that other sources refused none: withheld too. " << r.body;
  EXPECT_EQ(JInt(r.body, "/purposes/1/no_decision"), 11) << "marketing: one refusal, eleven undecided";
  ASSERT_EQ(JLen(r.body, "/trend/days"), 30u);
  // Decided two days ago: granted at the end of that day and the next, refused today.
  EXPECT_EQ(JInt(r.body, "/trend/purposes/2/granted/27"), 12) << r.body;
  EXPECT_EQ(JInt(r.body, "/trend/purposes/2/granted/28"), 12);
  EXPECT_EQ(JInt(r.body, "/trend/purposes/2/refused/29"), 11);
  EXPECT_NE(r.body.find(R"({"purpose":"analytics","granted":[null,)"), std::string::npos) << "none a month ago";

  EXPECT_EQ(Get(dsar_, "/v1/eu/consent/stats").status, 200);
  EXPECT_EQ(Get(dsar_, "/v1/us/consent/stats").status, 403) << "the key's region only";
  EXPECT_EQ(Get(recommend_, "/v1/eu/consent/stats").status, 403) << "scope dsar";
}

TEST_F(OversightRoutesTest, NoWithheldCountCanBeFoundBySubtraction) {
  for (int i = 0; i < 29; ++i) {
    Secret("sub-" + std::to_string(i));
    ApiClient ingest = Client(&ingest_eu_);
    ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events", Array({View("sub-v-" + std::to_string(i), "customer_id",
                                                                 "sub-" + std::to_string(i))}))
                  .status,
              200);
  }
  for (int i = 0; i < 12; ++i) Decide("sub-" + std::to_string(i), "marketing", true, "api");
  Decide("sub-12", "marketing", false, "api");
  ClientResponse r = Get(dsar_, "/v1/eu/consent/stats");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/shoppers"), 29);
  // 12 granted, 1 refused, 16 undecided: showing 12 and 16 beside 29 would give the one refusal.
  EXPECT_NE(r.body.find(R"({"purpose":"marketing","granted":null,"refused":null,"no_decision":16,)"), std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find(R"("by_source":[{"source":"api","granted":null,"refused":null},{"source":"other","granted":null,"refused":null}])"),
            std::string::npos)
      << "api's 12 grants withheld with the purpose's: " << r.body;
}

TEST_F(OversightRoutesTest, RequestsAreNewestFirstAndASearchIsAudited) {
  ApiClient ingest = Client(&ingest_eu_);
  for (const char* customer : {"req-shopper-1", "req-shopper-2"}) {
    Secret(customer);
    ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events", Array({View(std::string("v-") + customer, "customer_id", customer)}))
                  .status,
              200);
  }
  ApiClient dsar = Client(&dsar_);
  ASSERT_EQ(Call(dsar, "GET", "/v1/eu/customers/req-shopper-1/data").status, 200);
  ASSERT_EQ(Call(dsar, "DELETE", "/v1/eu/customers/req-shopper-2").status, 200);

  ClientResponse r = Get(dsar_, "/v1/eu/requests?limit=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/requests/0/action"), "erasure");
  EXPECT_EQ(JStr(r.body, "/requests/0/details"), "events=1,keys=1");
  const std::string cursor = JStr(r.body, "/next_cursor");
  r = Get(dsar_, "/v1/eu/requests?limit=1&cursor=" + cursor);
  EXPECT_EQ(JStr(r.body, "/requests/0/action"), "export") << r.body;
  EXPECT_EQ(Get(dsar_, "/v1/eu/requests?action=export").body.find("erasure"), std::string::npos);

  r = Get(dsar_, "/v1/eu/requests?customer_id=req-shopper-2");
  ASSERT_EQ(JLen(r.body, "/requests"), 1u) << r.body;
  EXPECT_EQ(JStr(r.body, "/requests/0/action"), "erasure");
  r = Get(dsar_, "/v1/eu/audit?action=profile_read&order=desc&limit=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/entries/0/details"), "request search");
  EXPECT_EQ(JStr(r.body, "/entries/0/key_id"), dsar_.id);

  for (const char* bad : {"action=profile_read", "limit=0", "limit=1001", "cursor=x"}) {
    r = Get(dsar_, std::string("/v1/eu/requests?") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(JStr(r.body, "/error/field"), std::string(bad).substr(0, std::string(bad).find('='))) << r.body;
  }
}

TEST_F(OversightRoutesTest, AuditPagesByCursorInEitherOrderAndByAction) {
  for (int i = 0; i < 5; ++i) Decide("audit-page-" + std::to_string(i), "analytics", true, "api");
  ClientResponse all = Get(dsar_, "/v1/eu/audit?action=consent_change");
  ASSERT_EQ(all.status, 200) << all.body;
  ASSERT_EQ(JLen(all.body, "/entries"), 5u);
  EXPECT_NE(all.body.find(R"("next_cursor":null)"), std::string::npos) << all.body;
  const int64_t first = JInt(all.body, "/entries/0/seq"), last = JInt(all.body, "/entries/4/seq");

  ClientResponse page = Get(dsar_, "/v1/eu/audit?action=consent_change&order=desc&limit=2");
  EXPECT_EQ(JInt(page.body, "/entries/0/seq"), last);
  page = Get(dsar_, "/v1/eu/audit?action=consent_change&order=desc&limit=2&cursor=" + JStr(page.body, "/next_cursor"));
  EXPECT_EQ(JInt(page.body, "/entries/0/seq"), JInt(all.body, "/entries/2/seq")) << page.body;
  page = Get(dsar_, "/v1/eu/audit?action=consent_change&limit=4&cursor=" + std::to_string(first));
  EXPECT_EQ(JLen(page.body, "/entries"), 4u);
  EXPECT_EQ(JInt(page.body, "/entries/3/seq"), last);
  EXPECT_EQ(Get(dsar_, "/v1/eu/audit?action=erasure").body, R"({"entries":[],"next_cursor":null})");
  Get(dsar_, "/v1/eu/audit?customer_id=audit-page-1");
  page = Get(dsar_, "/v1/eu/audit?action=profile_read&order=desc&limit=1");
  EXPECT_EQ(JStr(page.body, "/entries/0/details"), "audit search") << "a look at one shopper's records is on record";
  EXPECT_EQ(JStr(Get(dsar_, "/v1/eu/audit?subject=C-1").body, "/error/field"), "subject");

  EXPECT_EQ(JStr(Get(dsar_, "/v1/eu/audit?order=up").body, "/error/field"), "order");
  EXPECT_EQ(JStr(Get(dsar_, "/v1/eu/audit?action=reading").body, "/error/field"), "action");
  EXPECT_TRUE(JBool(Get(dsar_, "/v1/eu/audit/verify").body, "/ok"));
}

TEST_F(OversightRoutesTest, ResidencyNamesTheRegionsTheKeyVersionAndTheRetentionRuns) {
  ClientResponse r = Get(dsar_, "/v1/eu/residency");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("cache-control"), "no-store") << "no API answer is kept by a cache";
  EXPECT_EQ(JLen(r.body, "/regions"), 3u);
  EXPECT_EQ(JStr(r.body, "/regions/2/endpoint"), "https://apac.confide.example");
  EXPECT_FALSE(JBool(r.body, "/regions/2/hosted_here"));
  EXPECT_EQ(JInt(r.body, "/kek_version"), 1);
  EXPECT_TRUE(r.body.find(R"("last_run":null)") != std::string::npos) << r.body;

  const Micros at = clock_.Now();
  ASSERT_TRUE(ApplyRetention(*server_->cell("eu"), config_.retention, at).ok());
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/keys/rotate", "{}").status, 200);
  r = Get(dsar_, "/v1/eu/residency");
  EXPECT_EQ(JInt(r.body, "/kek_version"), 2);
  EXPECT_EQ(JStr(r.body, "/retention/last_run"), FormatRfc3339(at));
  EXPECT_EQ(JStr(r.body, "/retention/next_run"), FormatRfc3339(at + Micros{1440} * 60'000'000));
  EXPECT_EQ(JStr(r.body, "/retention/categories/1/category"), "purchases");
  ApiClient dsar = Client(&dsar_);
  EXPECT_EQ(Call(dsar, "POST", "/v1/eu/keys/rotate", "{}").status, 403) << "rotation stays the admin's";
}

}  // namespace
}  // namespace confide
