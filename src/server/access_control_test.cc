// Who may call what: API keys (401), scopes and regions (403), regions
// hosted elsewhere (421), unknown routes and methods, rate limits per key,
// and shopper tokens that reach only their own shopper.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, MissingOrInvalidKeyIs401WithBearerChallenge) {
  std::string body = Array({View("auth-1", "anonymous_id", "a")});
  ApiClient none = Client();
  ClientResponse r = Call(none, "POST", "/v1/eu/events", body);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("www-authenticate"), "Bearer");
  EXPECT_EQ(JStr(r.body, "/error/code"), "unauthenticated");

  ApiClient revoked = Client(&revoked_);
  EXPECT_EQ(Call(revoked, "POST", "/v1/eu/events", body).status, 401);

  std::string wrong = ingest_eu_.token;
  wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
  r = Call(none, "POST", "/v1/eu/events", body, {{"Authorization", "Bearer " + wrong}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find(wrong), std::string::npos);
  r = Call(none, "POST", "/v1/eu/events", body, {{"Authorization", "Basic Zm9vOmJhcg=="}});
  EXPECT_EQ(r.status, 401);
}

TEST_F(ServerTest, WrongScopeOrRegionIs403) {
  std::string body = Array({View("scope-1", "anonymous_id", "a")});
  ApiClient catalog = Client(&catalog_);
  ClientResponse r = Call(catalog, "POST", "/v1/eu/events", body);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(JStr(r.body, "/error/code"), "permission_denied");

  ApiClient ingest = Client(&ingest_eu_);
  r = Call(ingest, "POST", "/v1/us/events", body);
  EXPECT_EQ(r.status, 403) << "the key is for eu only";
  EXPECT_EQ(Call(ingest, "GET", "/v1/eu/customers/a/profile").status, 403) << "profiles need admin";

  ApiClient admin = Client(&admin_);
  EXPECT_EQ(Call(admin, "POST", "/v1/us/events", body).status, 200)
      << "admin covers every scope and region";
}

TEST_F(ServerTest, RegionHostedElsewhereIs421WithItsEndpoint) {
  ApiClient ingest = Client(&ingest_eu_);
  ApiClient admin = Client(&admin_);
  ApiClient none = Client();
  std::string body = Array({View("r-1", "anonymous_id", "a")});
  EXPECT_EQ(Call(none, "POST", "/v1/apac/events", body).status, 401) << "who you are comes first";
  ClientResponse r = Call(ingest, "POST", "/v1/apac/events", body);
  EXPECT_EQ(r.status, 421) << "even a key without apac learns where apac lives";
  r = Call(admin, "POST", "/v1/apac/events", body);
  ASSERT_EQ(r.status, 421) << r.body;
  EXPECT_EQ(JStr(r.body, "/endpoint"), "https://apac.confide.example");
  EXPECT_EQ(JStr(r.body, "/error/code"), "misdirected_request");

  r = Call(admin, "POST", "/v1/mars/events", body);
  EXPECT_EQ(r.status, 404) << "a region not configured at all";
  EXPECT_EQ(JStr(r.body, "/error/field"), "region");
}

TEST_F(ServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  ApiClient admin = Client(&admin_);
  ClientResponse r = Call(admin, "GET", "/v1/eu/nothing-here");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(JStr(r.body, "/error/code"), "not_found");
  r = Call(admin, "GET", "/v1/eu/events");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("allow"), "POST");
  EXPECT_EQ(JStr(r.body, "/error/code"), "method_not_allowed");
  r = Call(admin, "DELETE", "/healthz");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/products/%zz").status, 400);
  EXPECT_EQ(Call(admin, "GET", "/v1/eu/customers/x/profile?id_kind=%zz").status, 400);
}

// Every route with every scope, a key for another region and no key: 401
// without a credential, 403 for a wrong scope or region, and otherwise the
// route's own answer (never 401/403).
TEST_F(ServerTest, AuthorizationMatrix) {
  StopServer();
  const std::vector<std::string> scopes = {"ingest", "catalog",  "recommend", "consent",
                                           "dsar",   "identity", "marketing", "metrics", "admin"};
  std::map<std::string, NewApiKey> keys;
  for (const auto& scope : scopes) keys[scope] = AddKey({scope}, {"eu"});
  NewApiKey us_admin = AddKey({"admin"}, {"us"});
  StartServer();
  Secret("matrix-shopper");
  struct RouteCase {
    const char* method;
    std::string target;
    std::string body;
    std::vector<std::string> allowed;  // scopes besides admin
  };
  const std::string event = Array({View("mx-1", "customer_id", "matrix-shopper")});
  const std::vector<RouteCase> routes = {
      {"POST", "/v1/eu/events", event, {"ingest"}},
      {"PUT", "/v1/eu/products", R"([{"id":"p-1","title":"t","price":1}])", {"catalog"}},
      {"PUT", "/v1/eu/stores", R"([{"id":"s-1","name":"n","latitude":1,"longitude":1}])", {"catalog"}},
      {"PUT", "/v1/eu/inventory", R"([{"location":"online","product_id":"p-1","quantity":1}])", {"catalog"}},
      {"GET", "/v1/eu/products/p-1", "", {"catalog", "recommend"}},
      {"GET", "/v1/eu/stores/s-1", "", {"catalog", "recommend"}},
      {"GET", "/v1/eu/customers/matrix-shopper/profile", "", {}},
      {"PUT", "/v1/eu/customers/matrix-shopper/consent", R"({"purposes":{"analytics":true}})", {"consent"}},
      {"GET", "/v1/eu/customers/matrix-shopper/consent", "", {"consent"}},
      {"GET", "/v1/eu/customers/matrix-shopper/data", "", {"dsar"}},
      {"GET", "/v1/eu/stats", "", {}},
      {"POST", "/v1/eu/shopper-tokens", R"({"customer_id":"matrix-shopper"})", {}},
      {"GET", "/v1/eu/audit", "", {"dsar"}},
      {"GET", "/v1/eu/audit/verify", "", {"dsar"}},
      {"GET", "/v1/eu/requests", "", {"dsar"}},
      {"GET", "/v1/eu/consent/stats", "", {"dsar"}},
      {"GET", "/v1/eu/residency", "", {"dsar"}},
      {"POST", "/v1/eu/keys/rotate", "", {}},
      {"GET", "/v1/eu/customers/matrix-shopper/recommendations", "", {"recommend"}},
      {"POST", "/v1/eu/customers/matrix-shopper/rerank", R"({"product_ids":["p-1"]})", {"recommend"}},
      {"GET", "/v1/eu/products/p-1/similar", "", {"recommend"}},
      {"GET", "/v1/eu/products/p-1/bought-together", "", {"recommend"}},
      {"GET", "/v1/eu/models", "", {}},
      {"POST", "/v1/eu/models/train", "", {}},
      {"PUT", "/v1/eu/prices", R"([{"id":"r-1","product_id":"p-1","channel":"web","price":2}])", {"catalog"}},
      {"GET", "/v1/eu/products/p-1/price", "", {"catalog", "recommend"}},
      {"GET", "/v1/eu/price-consistency", "", {"catalog"}},
      {"GET", "/v1/eu/products/p-1/availability", "", {"catalog", "recommend"}},
      {"GET", "/v1/eu/customers/matrix-shopper/cart", "", {"recommend"}},
      {"GET", "/v1/eu/offers/cart-recovery", "", {"marketing"}},
      {"POST", "/v1/eu/offers/cart-recovery/deliver", "", {"marketing"}},
      {"GET", "/v1/eu/customers/matrix-shopper/replenishment", "", {"recommend"}},
      {"GET", "/v1/eu/customers/matrix-shopper/suggestions", "", {"recommend"}},
      {"DELETE", "/v1/eu/customers/matrix-shopper", "", {"dsar"}},
  };
  size_t checked = 0;
  for (const auto& route : routes) {
    ApiClient anonymous = Client();
    EXPECT_EQ(Call(anonymous, route.method, route.target, route.body).status, 401) << route.method << " " << route.target;
    ApiClient other_region = Client(&us_admin);
    EXPECT_EQ(Call(other_region, route.method, route.target, route.body).status, 403)
        << "a key for us reaches " << route.target;
    for (const auto& scope : scopes) {
      bool allowed = scope == "admin" ||
                     std::find(route.allowed.begin(), route.allowed.end(), scope) != route.allowed.end();
      ApiClient c = Client(&keys[scope]);
      int status = Call(c, route.method, route.target, route.body).status;
      if (allowed) {
        EXPECT_NE(status, 401) << scope << " " << route.method << " " << route.target;
        EXPECT_NE(status, 403) << scope << " " << route.method << " " << route.target;
      } else {
        EXPECT_EQ(status, 403) << scope << " " << route.method << " " << route.target;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, routes.size() * scopes.size());
  ApiClient c = Client();
  for (const char* open : {"/healthz", "/readyz"}) EXPECT_EQ(Call(c, "GET", open).status, 200) << open;
  EXPECT_EQ(Call(c, "GET", "/metrics").status, 401) << "metrics need the metrics scope";
}

TEST_F(ServerTest, RateLimitPerKeyAnswers429WithRetryAfter) {
  StopServer();
  config_.limits.requests_per_second_per_key = 1;
  config_.limits.burst_per_key = 3;
  StartServer();
  ApiClient c = Client(&catalog_);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Call(c, "GET", "/v1/eu/products/none").status, 404) << i;
  ClientResponse r = Call(c, "GET", "/v1/eu/products/none");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.Header("retry-after"), "1");
  EXPECT_EQ(JStr(r.body, "/error/code"), "resource_exhausted");
  ApiClient other = Client(&admin_);
  EXPECT_EQ(Call(other, "GET", "/v1/eu/products/none").status, 404) << "other keys are not affected";
}

TEST_F(ServerTest, ShopperTokensReachOnlyTheirShopper) {
  Secret("token-shopper-1");
  Secret("token-shopper-2");
  ApiClient admin = Client(&admin_);
  ClientResponse minted = Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"customer_id":"token-shopper-1","ttl_seconds":600})");
  ASSERT_EQ(minted.status, 200) << minted.body;
  std::string token = JStr(minted.body, "/token");
  ASSERT_EQ(token.rfind("st_", 0), 0u);
  Secret(token.substr(3, 20));
  EXPECT_EQ(Call(admin, "POST", "/v1/eu/shopper-tokens", R"({"ttl_seconds":600})").status, 400);
  ApiClient catalog = Client(&catalog_);
  EXPECT_EQ(Call(catalog, "POST", "/v1/eu/shopper-tokens",
                 R"({"customer_id":"x"})").status, 403) << "minting needs admin";

  ApiClient shopper = Client();
  HttpHeaders auth = {{"Authorization", "Bearer " + token}};
  ClientResponse r = Call(shopper, "PUT", "/v1/eu/customers/token-shopper-1/consent",
                          R"({"purposes":{"marketing":false}})", auth);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/consent", {}, auth).status, 200);
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/data", {}, auth).status, 200);
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-2/consent", {}, auth).status, 403) << "another shopper";
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/consent?id_kind=loyalty", {}, auth).status, 403);
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/profile", {}, auth).status, 403) << "admin route";
  EXPECT_EQ(Call(shopper, "POST", "/v1/eu/events", Array({View("t-1", "customer_id", "token-shopper-1")}), auth).status,
            403);
  EXPECT_EQ(Call(shopper, "GET", "/v1/us/customers/token-shopper-1/consent", {}, auth).status, 401) << "another region";
  std::string forged = token;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call(shopper, "GET", "/v1/eu/customers/token-shopper-1/consent", {}, {{"Authorization", "Bearer " + forged}})
                .status,
            401);
  r = Call(shopper, "DELETE", "/v1/eu/customers/token-shopper-1", {}, auth);
  EXPECT_EQ(r.status, 200) << "a shopper may erase their own data";
  EXPECT_TRUE(JBool(r.body, "/erased"));
  r = Call(admin, "GET", "/v1/eu/audit");
  EXPECT_NE(r.body.find(R"("key_id":"shopper")"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace confide
