// The consent routes: the ledger per region (opt_in, opt_out), withdrawal
// at once, and Global Privacy Control refusing marketing and only marketing.
#include <gtest/gtest.h>

#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, ConsentFollowsTheLedgerPerRegion) {
  StopServer();
  NewApiKey consent = AddKey({"consent"}, {"eu", "us"});
  StartServer();
  Secret("consent-shopper-1");
  ApiClient ingest = Client(&admin_);
  ASSERT_EQ(Call(ingest, "POST", "/v1/eu/events", Array({View("c-e1", "customer_id", "consent-shopper-1")})).status,
            200);
  ApiClient c = Client(&consent);
  const std::string eu = "/v1/eu/customers/consent-shopper-1/consent";

  ClientResponse r = Call(c, "GET", eu);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/legal_basis"), "opt_in");
  EXPECT_FALSE(JBool(r.body, "/purposes/personalization/allowed")) << "opt_in: nothing before consent";

  r = Call(c, "PUT", eu, R"({"purposes":{"personalization":true},"policy_version":"v3"})",
           {{"User-Agent", "test-agent"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed"));
  EXPECT_EQ(JStr(r.body, "/history/0/user_agent"), "test-agent") << "evidence kept";

  r = Call(c, "PUT", eu, R"({"purposes":{"personalization":false}})");
  EXPECT_FALSE(JBool(r.body, "/purposes/personalization/allowed")) << "withdrawal takes effect at once";
  EXPECT_EQ(JLen(r.body, "/history"), 2u);

  r = Call(c, "PUT", eu, R"({"purposes":{"selling":true}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "purposes.selling");
  // A body that is no JSON object is named as the body (the fuzzer's first find).
  for (const char* body : {"", "[1]", "{\"purposes\":"}) {
    r = Call(c, "PUT", eu, body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(JStr(r.body, "/error/field"), "body") << r.body;
  }
  EXPECT_EQ(JLen(Call(c, "GET", eu).body, "/history"), 2u) << "a bad request changes nothing";

  EXPECT_EQ(Call(c, "GET", "/v1/eu/customers/nobody-here/consent").status, 404);
  ApiClient wrong = Client(&ingest_eu_);
  EXPECT_EQ(Call(wrong, "GET", eu).status, 403);
}

TEST_F(ServerTest, AConsentForAnIdNoEventMayCarryIsRefused) {
  ApiClient c = Client(&admin_);
  for (const char* id : {"bad%01id", "bad%7Fid"}) {
    ClientResponse r = Call(c, "PUT", std::string("/v1/eu/customers/") + id + "/consent", R"({"purposes":{"marketing":true}})");
    EXPECT_EQ(r.status, 400) << id << ": " << r.body;
    EXPECT_EQ(JStr(r.body, "/error/field"), "id") << r.body;
  }
}

TEST_F(ServerTest, GpcRefusesMarketingOnceAndOnlyMarketing) {
  StopServer();
  NewApiKey consent = AddKey({"consent"}, {"us"});
  StartServer();
  Secret("gpc-shopper-1");
  ApiClient c = Client(&consent);
  const std::string us = "/v1/us/customers/gpc-shopper-1/consent";
  ClientResponse r = Call(c, "PUT", us, R"({"category_opt_outs":[]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/legal_basis"), "opt_out");
  EXPECT_TRUE(JBool(r.body, "/purposes/marketing/allowed")) << "opt_out: allowed until refused";

  for (int i = 0; i < 3; ++i) {
    r = Call(c, "GET", us, {}, {{"Sec-GPC", "1"}});
    ASSERT_EQ(r.status, 200);
    EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed"));
    EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed")) << "GPC is not about personalization";
  }
  EXPECT_EQ(JLen(r.body, "/history"), 2u) << "the opt-out record and one GPC record, not one per request";
  EXPECT_EQ(JStr(r.body, "/history/1/source"), "gpc");
  r = Call(c, "GET", us, {}, {{"Sec-GPC", "true"}});
  EXPECT_EQ(JLen(r.body, "/history"), 2u) << "only the exact value 1 is the signal";
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed")) << "the recorded refusal stands";
}

TEST_F(ServerTest, GpcOnAConsentPutIsRecordedForANewShopperAndNeverGrantsMarketing) {
  StopServer();
  NewApiKey consent = AddKey({"consent"}, {"us"});
  StartServer();
  Secret("gpc-new-1");
  ApiClient c = Client(&consent);
  const std::string path = "/v1/us/customers/gpc-new-1/consent";
  ClientResponse r = Call(c, "PUT", path, R"({"purposes":{"personalization":true}})", {{"Sec-GPC", "1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/gpc"));
  ASSERT_EQ(JLen(r.body, "/history"), 2u) << r.body;
  EXPECT_EQ(JStr(r.body, "/history/0/source"), "gpc") << "the signal first, then the body's decisions";
  r = Call(c, "GET", path);  // later, without the signal: the refusal is on record
  EXPECT_TRUE(JBool(r.body, "/gpc")) << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed"));
  EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed"));

  // A marketing grant cannot ride on the signal that refuses it; nothing is recorded.
  r = Call(c, "PUT", path, R"({"purposes":{"marketing":true}})", {{"Sec-GPC", "1"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/field"), "purposes.marketing");
  Secret("gpc-new-2");
  r = Call(c, "PUT", "/v1/us/customers/gpc-new-2/consent", R"({"purposes":{"marketing":true}})", {{"Sec-GPC", "1"}});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(Call(c, "GET", "/v1/us/customers/gpc-new-2/consent").status, 404) << "no shopper was created";
  r = Call(c, "GET", path);
  EXPECT_EQ(JLen(r.body, "/history"), 2u) << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed"));

  // The shopper's own later grant, without the signal, overrides it (docs/api.md,
  // Consent); the export says which holds rather than both.
  ApiClient admin = Client(&admin_);
  EXPECT_NE(Call(admin, "GET", path.substr(0, path.size() - 8) + "/data").body.find("on record: no marketing"),
            std::string::npos);
  ASSERT_EQ(Call(c, "PUT", path, R"({"purposes":{"marketing":true}})").status, 200);
  r = Call(admin, "GET", path.substr(0, path.size() - 8) + "/data");
  EXPECT_EQ(r.body.find("on record: no marketing"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("your later marketing grant overrides it"), std::string::npos) << r.body;
}

// A banner that re-sends the same choice on every page must not grow the
// ledger (it is kept in memory and answered back), and an answer holds a
// page of the history, not all of it.
TEST_F(ServerTest, RepeatedDecisionsAreRecordedOnceAndTheHistoryIsPaged) {
  Secret("ledger-shopper");
  ApiClient c = Client(&admin_);
  const std::string path = "/v1/eu/customers/ledger-shopper/consent";
  ClientResponse r;
  for (int i = 0; i < 20; ++i) {
    r = Call(c, "PUT", path, R"({"purposes":{"marketing":true},"policy_version":"v3"})");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(JBool(r.body, "/recorded"), i == 0) << i;
  }
  EXPECT_EQ(JLen(r.body, "/history"), 1u) << r.body;
  r = Call(c, "PUT", path, R"({"purposes":{"marketing":true},"policy_version":"v4"})");
  EXPECT_TRUE(JBool(r.body, "/recorded")) << "new evidence (another policy version) is recorded";
  for (int i = 0; i < 60; ++i)
    ASSERT_EQ(Call(c, "PUT", path, i % 2 ? R"({"purposes":{"marketing":true}})" : R"({"purposes":{"marketing":false}})")
                  .status,
              200);
  r = Call(c, "GET", path);
  EXPECT_EQ(JInt(r.body, "/history_total"), 62);
  EXPECT_EQ(JLen(r.body, "/history"), 50u) << "one page by default";
  r = Call(c, "GET", path + "?history_limit=2");
  ASSERT_EQ(JLen(r.body, "/history"), 2u);
  EXPECT_TRUE(JBool(r.body, "/history/1/purposes/marketing")) << "the newest records: " << r.body;
  r = Call(c, "GET", path + "?history_limit=0");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "history_limit");
}

}  // namespace
}  // namespace confide
