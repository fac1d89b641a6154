// CORS over sockets: a retailer's own origin may call the shopper-token
// routes from the browser; every other route and origin stays same-origin.
#include <gtest/gtest.h>

#include "testing/server_test.h"

namespace confide {
namespace {

class CorsTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    if (HasFatalFailure()) return;
    StopServer();
    config_.allowed_origins = {"https://shop.example", "http://localhost:3000"};
    StartServer();
  }
  static constexpr const char* kShop = "https://shop.example";
};

TEST_F(CorsTest, APreflightFromAnAllowedOriginOpensTheShopperTokenRoutesOnly) {
  TestClient c = HttpClient();
  auto preflight = c.Send("OPTIONS", "/v1/eu/customers/c-1/consent", {},
                          {{"Origin", kShop}, {"Access-Control-Request-Method", "PUT"},
                           {"Access-Control-Request-Headers", "authorization, content-type"}});
  ASSERT_TRUE(preflight.ok());
  EXPECT_EQ(preflight->status, 204) << preflight->body;
  EXPECT_EQ(preflight->Header("access-control-allow-origin"), kShop);
  EXPECT_EQ(preflight->Header("access-control-allow-methods"), "GET, PUT");
  EXPECT_EQ(preflight->Header("access-control-allow-headers"), "Authorization, Content-Type");
  EXPECT_EQ(preflight->Header("vary"), "Origin");
  EXPECT_FALSE(preflight->Header("access-control-max-age").empty());
  EXPECT_EQ(preflight->Header("access-control-allow-credentials"), "") << "no cookies: the token is in Authorization";
  auto erase = c.Send("OPTIONS", "/v1/eu/customers/c-1", {}, {{"Origin", "http://localhost:3000"}});
  ASSERT_TRUE(erase.ok());
  EXPECT_EQ(erase->Header("access-control-allow-methods"), "DELETE");

  // Another origin, or a route a shopper token cannot call: nothing opened.
  for (auto [origin, target] : {std::pair<const char*, const char*>{"https://evil.example", "/v1/eu/customers/c-1/consent"},
                                {"https://shop.example.evil", "/v1/eu/customers/c-1/consent"},
                                {kShop, "/v1/eu/events"},
                                {kShop, "/v1/eu/products/p-1"}}) {
    auto r = c.Send("OPTIONS", target, {}, {{"Origin", origin}, {"Access-Control-Request-Method", "GET"}});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 405) << origin << " " << target;
    EXPECT_EQ(r->Header("access-control-allow-origin"), "") << origin << " " << target;
  }
}

TEST_F(CorsTest, ShopperTokenRoutesAnswerTheAllowedOriginAndNoOtherRouteDoes) {
  TestClient c = HttpClient(&admin_);
  auto consent = c.Send("GET", "/v1/eu/customers/c-1/consent", {}, {{"Origin", kShop}});
  ASSERT_TRUE(consent.ok());
  EXPECT_EQ(consent->Header("access-control-allow-origin"), kShop) << consent->status << consent->body;
  EXPECT_EQ(consent->Header("vary"), "Origin");
  // Errors too, so that the page can read them.
  TestClient anonymous = HttpClient();
  auto refused = anonymous.Send("GET", "/v1/eu/customers/c-1/recommendations", {}, {{"Origin", kShop}});
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->Header("access-control-allow-origin"), kShop);

  auto other_origin = c.Send("GET", "/v1/eu/customers/c-1/consent", {}, {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(other_origin.ok());
  EXPECT_EQ(other_origin->Header("access-control-allow-origin"), "");
  auto catalog = c.Send("GET", "/v1/eu/products/p-1", {}, {{"Origin", kShop}});
  ASSERT_TRUE(catalog.ok());
  EXPECT_EQ(catalog->Header("access-control-allow-origin"), "") << "not a shopper-token route";
}

}  // namespace
}  // namespace confide
