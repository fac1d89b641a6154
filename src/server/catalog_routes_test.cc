// The catalog routes: products, stores and inventory written all or
// nothing and read back per region, referring only to what the catalog holds.
#include <gtest/gtest.h>

#include "testing/server_test.h"

namespace confide {
namespace {

TEST_F(ServerTest, CatalogPutAndGet) {
  ApiClient c = Client(&catalog_);
  Secret("sku-cat-1");
  Secret("store-cat-1");
  std::string products = Array(
      {Object(
           {{"id", "sku-cat-1"}, {"title", "Oat milk"}, {"category", "dairy"}, {"price", "2.49"}}),
       Object({{"id", "sku cat/2"},
               {"title", "Rye bread"},
               {"category", "bakery"},
               {"price", "3.10"}})});
  ClientResponse r = Call(c, "PUT", "/v1/eu/products", products);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/upserted"), 2);

  r = Call(c, "GET", "/v1/eu/products/sku-cat-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/id"), "sku-cat-1");
  EXPECT_EQ(JStr(r.body, "/title"), "Oat milk");
  r = Call(c, "GET", "/v1/eu/products/sku%20cat%2F2");
  ASSERT_EQ(r.status, 200) << "path segments are percent-decoded: " << r.body;
  EXPECT_EQ(JStr(r.body, "/id"), "sku cat/2");

  r = Call(c, "GET", "/v1/us/products/sku-cat-1");
  EXPECT_EQ(r.status, 404) << "catalogs are per region";
  EXPECT_EQ(JStr(r.body, "/error/code"), "not_found");

  ApiClient recommend = Client(&recommend_);
  EXPECT_EQ(Call(recommend, "GET", "/v1/eu/products/sku-cat-1").status, 200)
      << "recommend may read products";
  EXPECT_EQ(Call(recommend, "PUT", "/v1/eu/products", products).status, 403)
      << "but not write them";

  r = Call(c, "PUT", "/v1/eu/stores",
           Array({Object({{"id", "store-cat-1"},
                          {"name", "Main St"},
                          {"latitude", "52.5"},
                          {"longitude", "13.4"}})}));
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call(c, "GET", "/v1/eu/stores/store-cat-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/name"), "Main St");
  EXPECT_EQ(Call(c, "GET", "/v1/eu/stores/nowhere").status, 404);

  r = Call(c, "PUT", "/v1/eu/inventory",
           Object({{"location", "store-cat-1"}, {"product_id", "sku-cat-1"}, {"quantity", "7"}}) +
               "\n" +
               Object({{"location", "online"}, {"product_id", "sku-cat-1"}, {"quantity", "70"}}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/upserted"), 2);
  ASSERT_NE(server_->cell("eu"), nullptr);
  auto level = server_->cell("eu")->catalog().GetInventory("store-cat-1", "sku-cat-1");
  ASSERT_TRUE(level.ok() && level.value());
  EXPECT_EQ(*level.value(), 7);
}

TEST_F(ServerTest, CatalogPutIsAllOrNothing) {
  ApiClient c = Client(&catalog_);
  std::string body = Array({Object({{"id", "sku-aon-1"}, {"title", "Tea"}, {"price", "1.00"}}),
                            Object({{"id", "sku-aon-2"}, {"title", "Cup"}, {"price", "-3"}}),
                            Object({{"title", "no id"}, {"price", "1"}})});
  ClientResponse r = Call(c, "PUT", "/v1/eu/products", body);
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/error/code"), "invalid_argument");
  EXPECT_EQ(JInt(r.body, "/upserted"), 0);
  ASSERT_EQ(JLen(r.body, "/rejected"), 2u);
  EXPECT_EQ(JInt(r.body, "/rejected/0/index"), 1);
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "price");
  EXPECT_EQ(JInt(r.body, "/rejected/1/index"), 2);
  EXPECT_EQ(JStr(r.body, "/rejected/1/field"), "id");
  EXPECT_EQ(Call(c, "GET", "/v1/eu/products/sku-aon-1").status, 404)
      << "the valid item was not stored either";
}

TEST_F(ServerTest, InventoryAndPriceRulesNameOnlyKnownStoresAndProducts) {
  ApiClient c = Client(&catalog_);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/products", R"([{"id":"ref-p","title":"Tea","price":2}])").status, 200);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/stores", R"([{"id":"ref-s","name":"One","latitude":1,"longitude":2}])").status,
            200);
  ClientResponse r = Call(c, "PUT", "/v1/eu/inventory",
                          R"([{"location":"NOPE","product_id":"ref-p","quantity":3},)"
                          R"({"location":"online","product_id":"NOPE","quantity":3},)"
                          R"({"location":"ref-s","product_id":"ref-p","quantity":3}])");
  ASSERT_EQ(r.status, 400) << r.body;
  ASSERT_EQ(JLen(r.body, "/rejected"), 2u) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "location");
  EXPECT_EQ(JStr(r.body, "/rejected/0/reason"), "no store with this id");
  EXPECT_EQ(JStr(r.body, "/rejected/1/field"), "product_id");
  EXPECT_EQ(JStr(r.body, "/rejected/1/reason"), "no product with this id");
  EXPECT_EQ(Call(c, "PUT", "/v1/eu/inventory", R"([{"location":"ref-s","product_id":"ref-p","quantity":3}])").status,
            200);

  ApiClient admin = Client(&admin_);
  r = Call(admin, "PUT", "/v1/eu/prices", R"([{"id":"ref-r","product_id":"ref-p","price":1.5,"store_id":"NOPE"}])");
  ASSERT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "store_id");
  EXPECT_EQ(Call(admin, "PUT", "/v1/eu/prices", R"([{"id":"ref-r","product_id":"ref-p","price":1.5,"store_id":"ref-s"}])")
                .status,
            200);
}

}  // namespace
}  // namespace confide
