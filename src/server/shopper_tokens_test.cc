// Shopper tokens as an attacker meets them: each reaches only what its
// reach names, dies with a rotation of the token key and with an erasure
// of its shopper, lives no longer than the configured maximum, speaks only
// for the shopper's own page, and, minted for an anonymous id that a
// customer's login claimed, reaches nothing.
#include <gtest/gtest.h>

#include "core/time.h"
#include "testing/server_test.h"

namespace confide {
namespace {

class ShopperTokenTest : public ServerTest {
 protected:
  std::string Mint(std::string_view body) {
    ApiClient admin = Client(&admin_);
    ClientResponse r = Call(admin, "POST", "/v1/eu/shopper-tokens", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? JStr(r.body, "/token") : std::string();
  }
  int Status(std::string_view method, std::string_view target, const std::string& token, std::string_view body = {},
             std::string* answer = nullptr) {
    ApiClient shopper = Client();
    ClientResponse r = Call(shopper, method, target, body, {{"Authorization", "Bearer " + token}});
    if (answer) *answer = r.body;
    return r.status;
  }
};

TEST_F(ShopperTokenTest, ATokenReachesOnlyWhatItsReachNames) {
  std::string consent_only = Mint(R"({"customer_id":"reach-1","reach":["consent"]})");
  EXPECT_EQ(Status("PUT", "/v1/eu/customers/reach-1/consent", consent_only, R"({"purposes":{"marketing":false}})"), 200);
  std::string answer;
  EXPECT_EQ(Status("GET", "/v1/eu/customers/reach-1/data", consent_only, {}, &answer), 403);
  EXPECT_NE(answer.find("does not reach export"), std::string::npos) << answer;
  EXPECT_EQ(Status("DELETE", "/v1/eu/customers/reach-1", consent_only), 403);
  EXPECT_EQ(Status("GET", "/v1/eu/customers/reach-1/recommendations", consent_only, {}, &answer), 403);
  EXPECT_NE(answer.find("does not reach export"), std::string::npos) << answer;
  EXPECT_EQ(Status("GET", "/v1/eu/customers/reach-1/suggestions", consent_only, {}, &answer), 403);
  EXPECT_NE(answer.find("not open to shopper tokens"), std::string::npos) << answer;

  ApiClient admin = Client(&admin_);
  for (const char* bad : {R"({"customer_id":"r","reach":[]})", R"({"customer_id":"r","reach":["sell"]})",
                          R"({"customer_id":"r","reach":"consent"})", R"({"customer_id":"r","reach":["erase","erase"]})"}) {
    ClientResponse r = Call(admin, "POST", "/v1/eu/shopper-tokens", bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(JStr(r.body, "/error/field"), "reach") << bad;
  }
  ClientResponse r = Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":"r","ttl_seconds":7200})");
  EXPECT_EQ(r.status, 400) << "longer than shopper_token_max_ttl_seconds";
  EXPECT_EQ(JStr(r.body, "/error/field"), "ttl_seconds");
  r = Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":"r"})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JLen(r.body, "/reach"), 3u) << "every reach by default";
}

// A privacy-center link's address stays in the browser's history: its
// token, once exchanged for the page's session, opens nothing.
TEST_F(ShopperTokenTest, ALinksTokenExchangedForASessionWorksNoMore) {
  Secret("session-shopper-1");
  const std::string link = Mint(R"({"customer_id":"session-shopper-1"})");
  const std::string consent = "/v1/eu/customers/session-shopper-1/consent";
  const std::string open = "/v1/eu/customers/session-shopper-1/session";
  std::string answer;
  ASSERT_EQ(Status("POST", open, link, "", &answer), 200) << answer;
  const std::string session = JStr(answer, "/token");
  ASSERT_FALSE(session.empty());
  EXPECT_NE(session, link);
  EXPECT_EQ(Status("PUT", consent, session, R"({"purposes":{"marketing":false}})"), 200) << "the session works";
  EXPECT_EQ(Status("GET", consent, link, {}, &answer), 401) << "the link's token, replayed from a history";
  EXPECT_NE(answer.find("exchanged"), std::string::npos) << answer;
  EXPECT_EQ(Status("POST", open, link), 401) << "and cannot open a second session";
  ApiClient consent_key = Client(&admin_);
  EXPECT_EQ(Call(consent_key, "POST", open + "?id_kind=customer").status, 403) << "only a shopper token opens one";
  EXPECT_EQ(Status("POST", "/v1/eu/customers/someone-else/session", session), 403);

  StopServer();
  StartServer();
  EXPECT_EQ(Status("GET", consent, link), 401) << "spent durably";
  EXPECT_EQ(Status("GET", consent, session), 200);
}

TEST_F(ShopperTokenTest, RotatingTheTokenKeyEndsEveryEarlierToken) {
  std::string before = Mint(R"({"customer_id":"rot-1"})");
  EXPECT_EQ(Status("GET", "/v1/eu/customers/rot-1/data", before), 404) << "valid, nothing held yet";
  ApiClient admin = Client(&admin_);
  ClientResponse rotated = Call(admin, "POST", "/v1/eu/shopper-tokens/rotate-key");
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  std::string answer;
  EXPECT_EQ(Status("GET", "/v1/eu/customers/rot-1/data", before, {}, &answer), 401);
  EXPECT_NE(answer.find("rotated"), std::string::npos) << answer;
  std::string after = Mint(R"({"customer_id":"rot-1"})");
  EXPECT_EQ(Status("GET", "/v1/eu/customers/rot-1/data", after), 404);
  // The new key is the one on disk: a restart keeps honouring it.
  StopServer();
  StartServer();
  EXPECT_EQ(Status("GET", "/v1/eu/customers/rot-1/data", after), 404);
  EXPECT_EQ(Status("GET", "/v1/eu/customers/rot-1/data", before), 401);
  ApiClient recommend = Client(&recommend_);
  EXPECT_EQ(Call(recommend, "POST", "/v1/eu/shopper-tokens/rotate-key").status, 403);
}

TEST_F(ShopperTokenTest, AnErasureEndsTheTokensIssuedBeforeIt) {
  Secret("erased-token-shopper");
  std::string token = Mint(R"({"customer_id":"erased-token-shopper"})");
  EXPECT_EQ(Status("PUT", "/v1/eu/customers/erased-token-shopper/consent", token, R"({"purposes":{"marketing":true}})"),
            200);
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "DELETE", "/v1/eu/customers/erased-token-shopper").status, 200);
  std::string answer;
  EXPECT_EQ(Status("PUT", "/v1/eu/customers/erased-token-shopper/consent", token, R"({"purposes":{"marketing":true}})",
                   &answer),
            401)
      << "a stolen or stale token would bring the erased shopper back";
  EXPECT_NE(answer.find("before this shopper's erasure"), std::string::npos) << answer;
  ClientResponse r = Call(admin, "GET", "/v1/eu/customers/erased-token-shopper/consent");
  EXPECT_EQ(r.status, 404) << "nothing was recreated: " << r.body;
}

TEST_F(ShopperTokenTest, ATokenRecordsOnlyTheShoppersOwnDecisions) {
  std::string token = Mint(R"({"customer_id":"source-1"})");
  std::string answer;
  EXPECT_EQ(Status("PUT", "/v1/eu/customers/source-1/consent", token,
                   R"({"purposes":{"marketing":true},"source":"store_kiosk"})", &answer),
            403);
  EXPECT_EQ(JStr(answer, "/error/field"), "source");
  EXPECT_EQ(Status("PUT", "/v1/eu/customers/source-1/consent", token, R"({"purposes":{"marketing":true}})", &answer),
            200);
  EXPECT_EQ(JStr(answer, "/history/0/source"), "privacy_center") << answer;
}

// An ingest key is what a web or app tracker carries: anyone can read it
// from the page. It must not be able to claim a customer for an anonymous
// id whose token the attacker holds.
TEST_F(ShopperTokenTest, OnlyTheIdentityScopeLinksIdsAndALinkedAnonymousTokenReachesNothing) {
  Secret("victim-customer");
  Secret("attacker-anon");
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events", Array({View("v-1", "customer_id", "victim-customer")})).status, 200);
  ApiClient tracker = Client(&ingest_eu_);
  std::string link = Array({Object({{"event_id", "hijack-1"},
                                    {"type", "identify"},
                                    {"timestamp", "2024-05-01T10:00:00Z"},
                                    {"customer_id", "victim-customer"},
                                    {"anonymous_id", "attacker-anon"},
                                    {"channel", "web"}})});
  ClientResponse r = Call(tracker, "POST", "/v1/eu/events", link);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/warnings/0/field"), "anonymous_id") << "stored under the customer id, not linked: " << r.body;
  EXPECT_NE(r.body.find("identity scope"), std::string::npos) << r.body;
  std::string token = Mint(R"({"anonymous_id":"attacker-anon"})");
  EXPECT_EQ(Status("GET", "/v1/eu/customers/attacker-anon/data?id_kind=anonymous", token), 404)
      << "the anonymous id holds nothing of the customer's";

  // The retailer's backend links with the identity scope; the anonymous
  // id's token then reaches nothing, the customer's token everything.
  StopServer();
  NewApiKey backend = AddKey({"ingest", "identity"}, {"eu"});
  StartServer();
  ApiClient vouched = Client(&backend);
  ASSERT_EQ(Call(vouched, "POST", "/v1/eu/events", link).status, 200);
  token = Mint(R"({"anonymous_id":"attacker-anon"})");
  std::string answer;
  EXPECT_EQ(Status("GET", "/v1/eu/customers/attacker-anon/data?id_kind=anonymous", token, {}, &answer), 403);
  EXPECT_NE(answer.find("signed-in customer"), std::string::npos) << answer;
  EXPECT_EQ(Status("PUT", "/v1/eu/customers/attacker-anon/consent?id_kind=anonymous", token,
                   R"({"purposes":{"personalization":true}})"),
            403)
      << "a device's token cannot decide for the customer";
  std::string customer = Mint(R"({"customer_id":"victim-customer"})");
  EXPECT_EQ(Status("GET", "/v1/eu/customers/victim-customer/data", customer), 200);
  // The tracker's answer is the same whether the ids are one shopper's or
  // not: it cannot ask which customer an anonymous id belongs to.
  ApiClient tracker_again = Client(&ingest_eu_);  // of the restarted server
  r = Call(tracker_again, "POST", "/v1/eu/events",
           Array({Object({{"event_id", "after-link-1"},
                          {"type", "view"},
                          {"timestamp", "2024-05-01T11:00:00Z"},
                          {"customer_id", "victim-customer"},
                          {"anonymous_id", "attacker-anon"},
                          {"channel", "web"},
                          {"product_id", "p-1"}})}));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
  EXPECT_EQ(JStr(r.body, "/warnings/0/field"), "anonymous_id") << r.body;
}

// A backend that mints its own tokens keeps to the server's bounds: a
// token issued in the future (it would outlive an erasure) or living
// longer than the maximum is refused, however well signed.
TEST_F(ShopperTokenTest, SelfMintedTokensKeepToTheLifetimeBounds) {
  Cell* cell = server_->cell("eu");
  ASSERT_NE(cell, nullptr);
  const Micros now = NowMicros();
  std::string too_long = cell->MintShopperToken(IdKind::kCustomer, "bounded-1", now + 7200 * kMicrosPerSecond);
  std::string answer;
  EXPECT_EQ(Status("GET", "/v1/eu/customers/bounded-1/data", too_long, {}, &answer), 401);
  EXPECT_NE(answer.find("shopper_token_max_ttl_seconds"), std::string::npos) << answer;
  std::string fine = cell->MintShopperToken(IdKind::kCustomer, "bounded-1", now + 600 * kMicrosPerSecond);
  EXPECT_EQ(Status("GET", "/v1/eu/customers/bounded-1/data", fine), 404) << "valid; nothing held";
  // Every use of a token is audited under the token's id.
  ASSERT_EQ(Status("PUT", "/v1/eu/customers/bounded-1/consent", fine, R"({"purposes":{"marketing":false}})"), 200);
  ApiClient admin = Client(&admin_);
  ClientResponse audit = Call(admin, "GET", "/v1/eu/audit?customer_id=bounded-1");
  EXPECT_NE(audit.body.find("token="), std::string::npos) << audit.body;
}

// A grant made on a shared browser, before its anonymous id was linked to
// a customer, does not override the customer's own refusal once linked;
// a refusal made there counts where the customer decided nothing.
TEST_F(ShopperTokenTest, ConsentFromALinkedDeviceNeverOverridesTheCustomersOwn) {
  Secret("merge-customer");
  Secret("merge-device");
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "PUT", "/v1/eu/customers/merge-customer/consent",
                 R"({"purposes":{"marketing":false,"personalization":false}})")
                .status,
            200);
  std::string device = Mint(R"({"anonymous_id":"merge-device"})");
  ASSERT_EQ(Status("PUT", "/v1/eu/customers/merge-device/consent?id_kind=anonymous", device,
                   R"({"purposes":{"marketing":true,"personalization":true,"model_improvement":true,"analytics":false}})"),
            200);
  ASSERT_EQ(Call(admin, "POST", "/v1/eu/events",
                 Array({Object({{"event_id", "merge-login"}, {"type", "identify"}, {"timestamp", "2024-05-01T10:00:00Z"},
                                {"customer_id", "merge-customer"}, {"anonymous_id", "merge-device"},
                                {"channel", "web"}})}))
                .status,
            200);
  ClientResponse r = Call(admin, "GET", "/v1/eu/customers/merge-customer/consent");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/marketing/allowed")) << "the customer's refusal stands: " << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/personalization/allowed")) << r.body;
  EXPECT_FALSE(JBool(r.body, "/purposes/model_improvement/allowed")) << "a device's grant does not travel: " << r.body;
  EXPECT_EQ(JStr(r.body, "/purposes/analytics/decision"), "denied") << "a device's refusal counts: " << r.body;
}

}  // namespace
}  // namespace confide
