// One request, every region: which hosted regions hold a shopper's id, and
// an erasure in each, with regions hosted elsewhere named by endpoint.
#include <gtest/gtest.h>

#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, AShopperIsFoundAndErasedInEveryRegionTheKeyCovers) {
  Secret("travelling-shopper");
  StopServer();
  NewApiKey dpo = AddKey({"dsar"}, {"*"});
  NewApiKey eu_dpo = AddKey({"dsar"}, {"eu"});
  StartServer();
  ApiClient admin = Client(&admin_);
  for (const char* region : {"eu", "us"})
    ASSERT_EQ(Call(admin, "POST", std::string("/v1/") + region + "/events",
                   Array({View(std::string("tr-") + region, "customer_id", "travelling-shopper")}))
                  .status,
              200);

  ApiClient officer = Client(&dpo);
  ClientResponse r = Call(officer, "GET", "/v1/shoppers/travelling-shopper/regions");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/regions"), 3u) << r.body;
  EXPECT_EQ(JStr(r.body, "/regions/0/region"), "eu");
  EXPECT_TRUE(JBool(r.body, "/regions/0/holds"));
  EXPECT_TRUE(JBool(r.body, "/regions/1/holds"));
  EXPECT_FALSE(JBool(r.body, "/regions/2/hosted")) << "apac lives on another node";
  EXPECT_EQ(JStr(r.body, "/regions/2/endpoint"), "https://apac.confide.example");
  r = Call(officer, "GET", "/v1/shoppers/nobody-anywhere/regions");
  EXPECT_FALSE(JBool(r.body, "/regions/0/holds"));

  ApiClient eu_only = Client(&eu_dpo);
  r = Call(eu_only, "GET", "/v1/shoppers/travelling-shopper/regions");
  EXPECT_EQ(JLen(r.body, "/regions"), 1u) << "a key sees only its regions: " << r.body;

  r = Call(officer, "DELETE", "/v1/shoppers/travelling-shopper");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JBool(r.body, "/regions/0/receipt/erased")) << r.body;
  EXPECT_TRUE(JBool(r.body, "/regions/1/receipt/erased")) << r.body;
  for (const char* region : {"eu", "us"}) {
    EXPECT_EQ(Call(admin, "GET", std::string("/v1/") + region + "/customers/travelling-shopper/data").status, 404)
        << region;
    r = Call(admin, "GET", std::string("/v1/") + region + "/audit?customer_id=travelling-shopper");
    EXPECT_NE(r.body.find("\"erasure\""), std::string::npos) << region << ": " << r.body;
  }
  r = Call(officer, "GET", "/v1/shoppers/travelling-shopper/regions");
  EXPECT_FALSE(JBool(r.body, "/regions/0/holds"));
  EXPECT_FALSE(JBool(r.body, "/regions/1/holds"));

  ApiClient storefront = Client(&recommend_);
  EXPECT_EQ(Call(storefront, "GET", "/v1/shoppers/travelling-shopper/regions").status, 403);
  EXPECT_EQ(Call(officer, "GET", "/v1/shoppers/x/regions?id_kind=email").status, 400);
}

}  // namespace
}  // namespace confide
