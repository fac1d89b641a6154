// Privacy promises on the ingest and consent paths, tried over the API:
// what an opt-in region keeps before a grant, what a sign-in does to the
// decisions made on a device, the evidence a backend relays, and what a
// privacy center may show through the shopper's own token.
#include <gtest/gtest.h>

#include "core/time.h"
#include "testing/server_test.h"

namespace confide {
namespace {

std::string Now() { return FormatRfc3339(NowMicros() - kMicrosPerSecond); }

std::string Purchase(const std::string& event_id, const std::string& customer) {
  return Object({{"event_id", event_id}, {"type", "purchase"}, {"timestamp", Now()}, {"customer_id", customer},
                 {"channel", "web"}, {"product_id", "p-1"}, {"order_id", "o-" + event_id}});
}

std::string SignIn(const std::string& event_id, const std::string& customer, const std::string& device,
                   bool confirmed) {
  std::string e = Object({{"event_id", event_id}, {"type", "identify"}, {"timestamp", Now()},
                          {"customer_id", customer}, {"anonymous_id", device}, {"channel", "web"}});
  if (confirmed) e.insert(e.size() - 1, R"(,"consent_confirmed":true)");
  return e;
}

class CollectionRoutesTest : public ServerTest {
 protected:
  // eu as shipped: purchases only without a grant.
  void KeepPurchasesOnly() {
    StopServer();
    config_.regions[0].collect_without_grant = Collection::kPurchases;
    StartServer();
  }
  std::string LastHistorySource(ApiClient& client, const std::string& customer) {
    ClientResponse r = Call(client, "GET", "/v1/eu/customers/" + customer + "/consent");
    EXPECT_EQ(r.status, 200) << r.body;
    const size_t n = JLen(r.body, "/history");
    return n ? JStr(r.body, "/history/" + std::to_string(n - 1) + "/source") : std::string();
  }
};

// A tracker's public key must not tell whether a named shopper granted
// anything: a view kept and a view not collected get the same answer.
TEST_F(CollectionRoutesTest, APublicKeyCannotTellWhetherAShopperGranted) {
  Secret("col-granted");
  Secret("col-silent");
  KeepPurchasesOnly();
  ApiClient admin = Client(&admin_);
  ASSERT_EQ(Call(admin, "PUT", "/v1/eu/customers/col-granted/consent", R"({"purposes":{"personalization":true}})")
                .status,
            200);
  const std::string view = R"({"event_id":"%","type":"view","timestamp":")" + Now() +
                           R"(","customer_id":"@","channel":"web","product_id":"p-1"})";
  auto event = [&](const std::string& id, const std::string& customer) {
    std::string e = view;
    e.replace(e.find('%'), 1, id);
    e.replace(e.find('@'), 1, customer);
    return "[" + e + "]";
  };
  ApiClient tracker = Client(&ingest_eu_);
  ClientResponse granted = Call(tracker, "POST", "/v1/eu/events", event("pk-1", "col-granted"));
  ClientResponse silent = Call(tracker, "POST", "/v1/eu/events", event("pk-2", "col-silent"));
  EXPECT_EQ(granted.status, silent.status);
  EXPECT_EQ(granted.body, silent.body) << "the answers must not differ";
  EXPECT_EQ(JInt(silent.body, "/accepted"), 1);
  // The backend's key sees what happened; nothing of the silent shopper was kept.
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/col-silent/data").status, 404);
  ClientResponse backend = Call(admin, "POST", "/v1/eu/events", event("pk-3", "col-silent"));
  EXPECT_EQ(JLen(backend.body, "/not_collected"), 1u) << backend.body;
}

TEST_F(CollectionRoutesTest, AnOptInRegionKeepsPurchasesButNotBrowsingBeforeAGrant) {
  Secret("col-shopper");
  KeepPurchasesOnly();
  ApiClient admin = Client(&admin_);
  ClientResponse r = Call(admin, "POST", "/v1/eu/events",
                          Array({View("col-v1", "customer_id", "col-shopper"), Purchase("col-p1", "col-shopper")}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/accepted"), 1);
  ASSERT_EQ(JLen(r.body, "/not_collected"), 1u) << r.body;
  EXPECT_EQ(JInt(r.body, "/not_collected/0/index"), 0);
  EXPECT_EQ(JStr(r.body, "/not_collected/0/field"), "type");

  r = Call(admin, "POST", "/v1/eu/events", Array({View("col-v2", "customer_id", "nobody-yet")}));
  EXPECT_EQ(r.status, 200) << "valid, only not kept: " << r.body;
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/nobody-yet/data").status, 404) << "nothing was created";

  ASSERT_EQ(Call(admin, "PUT", "/v1/eu/customers/col-shopper/consent", R"({"purposes":{"personalization":true}})")
                .status,
            200);
  r = Call(admin, "POST", "/v1/eu/events", Array({View("col-v3", "customer_id", "col-shopper")}));
  EXPECT_EQ(JInt(r.body, "/accepted"), 1) << r.body;
  r = Call(admin, "GET", "/v1/eu/customers/col-shopper/data");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(JLen(r.body, "/events"), 2u) << "the purchase kept before the grant and the view after it";
}

// A browser's choices are not the customer's merely because they signed in
// on it: the merge is recorded (ledger and audit log) and the grant stays
// behind, unless the sign-in says the shopper confirmed those choices.
TEST_F(CollectionRoutesTest, ASignInCarriesTheDevicesDecisionsOnlyWhenConfirmed) {
  Secret("link-customer-1");
  Secret("link-customer-2");
  StopServer();
  NewApiKey backend = AddKey({"ingest", "identity"}, {"eu"});
  StartServer();
  ApiClient admin = Client(&admin_);
  ApiClient login = Client(&backend);
  for (const char* device : {"link-device-1", "link-device-2"})
    ASSERT_EQ(Call(admin, "PUT", std::string("/v1/eu/customers/") + device + "/consent?id_kind=anonymous",
                   R"({"purposes":{"personalization":true}})")
                  .status,
              200);

  ASSERT_EQ(Call(login, "POST", "/v1/eu/events", Array({SignIn("li-1", "link-customer-1", "link-device-1", false)}))
                .status,
            200);
  ClientResponse r = Call(admin, "GET", "/v1/eu/customers/link-customer-1/consent");
  EXPECT_FALSE(JBool(r.body, "/purposes/personalization/allowed")) << r.body;
  EXPECT_EQ(LastHistorySource(admin, "link-customer-1"), "link");
  r = Call(admin, "GET", "/v1/eu/audit?customer_id=link-customer-1");
  EXPECT_NE(r.body.find("source=link"), std::string::npos) << r.body;

  ASSERT_EQ(Call(login, "POST", "/v1/eu/events", Array({SignIn("li-2", "link-customer-2", "link-device-2", true)}))
                .status,
            200);
  r = Call(admin, "GET", "/v1/eu/customers/link-customer-2/consent");
  EXPECT_TRUE(JBool(r.body, "/purposes/personalization/allowed")) << r.body;
  EXPECT_EQ(LastHistorySource(admin, "link-customer-2"), "link_confirmed");
  r = Call(admin, "GET", "/v1/eu/audit?customer_id=link-customer-2");
  EXPECT_NE(r.body.find("source=link_confirmed"), std::string::npos) << r.body;

  r = Call(admin, "POST", "/v1/eu/events",
           Array({Object({{"event_id", "li-3"}, {"type", "view"}, {"timestamp", Now()}, {"customer_id", "x"},
                          {"channel", "web"}, {"product_id", "p-1"}, {"consent_confirmed", "yes"}})}));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "consent_confirmed");
}

TEST_F(CollectionRoutesTest, ABackendRelaysTheShoppersEvidenceAndTheAddressIsKeptHashed) {
  Secret("evidence-shopper");
  ApiClient admin = Client(&admin_);
  ClientResponse r = Call(admin, "PUT", "/v1/eu/customers/evidence-shopper/consent",
                          R"({"purposes":{"marketing":true},
                              "evidence":{"user_agent":"ShopperPhone/1.0","ip":"2001:DB8:0:0::7"}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/history/0/user_agent"), "ShopperPhone/1.0");
  const std::string hash = JStr(r.body, "/history/0/ip_hash");
  EXPECT_EQ(hash.size(), 32u) << r.body;
  EXPECT_EQ(r.body.find("2001:"), std::string::npos) << "the address itself is kept nowhere";
  // The same address written otherwise is the same evidence.
  r = Call(admin, "PUT", "/v1/eu/customers/evidence-shopper/consent",
           R"({"purposes":{"marketing":false},"evidence":{"ip":"2001:db8::7"}})");
  EXPECT_EQ(JStr(r.body, "/history/1/ip_hash"), hash) << r.body;

  r = Call(admin, "PUT", "/v1/eu/customers/evidence-shopper/consent",
           R"({"purposes":{"marketing":true},"evidence":{"ip":"300.1.2.3"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JStr(r.body, "/error/field"), "evidence.ip");
  r = Call(admin, "PUT", "/v1/eu/customers/evidence-shopper/consent", R"({"purposes":{"marketing":true},"source":"link"})");
  EXPECT_EQ(r.status, 400) << "link records are Confide's own";
  EXPECT_EQ(JStr(r.body, "/error/field"), "source");

  r = Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":"evidence-shopper"})");
  ApiClient browser = Client();
  r = Call(browser, "PUT", "/v1/eu/customers/evidence-shopper/consent",
           R"({"purposes":{"marketing":false},"evidence":{"user_agent":"forged"}})",
           {{"Authorization", "Bearer " + JStr(r.body, "/token")}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(JStr(r.body, "/error/field"), "evidence");
}

// A privacy center shows the shopper what is made of their data: their own
// recommendations, cart and replenishment, through their own token.
TEST_F(CollectionRoutesTest, AShopperTokenReadsItsOwnRecommendationsCartAndReplenishment) {
  Secret("center-shopper");
  ApiClient admin = Client(&admin_);
  ClientResponse r = Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":"center-shopper","reach":["export"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::pair<std::string, std::string> token = {"Authorization", "Bearer " + JStr(r.body, "/token")};
  ApiClient browser = Client();
  for (const char* what : {"recommendations", "cart", "replenishment"}) {
    r = Call(browser, "GET", std::string("/v1/eu/customers/center-shopper/") + what, {}, {token});
    EXPECT_EQ(r.status, 200) << what << ": " << r.body;
    r = Call(browser, "GET", std::string("/v1/eu/customers/someone-else/") + what, {}, {token});
    EXPECT_EQ(r.status, 403) << what;
  }
  r = Call(browser, "GET", "/v1/eu/offers/cart-recovery", {}, {token});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find("not open to shopper tokens"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace confide
