// The catalog routes: products, stores and inventory written all or
// nothing and read back per region, referring only to what the catalog
// holds; products patched, listed by page, deleted, and the catalog
// exported in the form its PUTs read back.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>

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

// A PUT replaces the product whole (no cost given: none kept); a PATCH
// changes only the members it names, so a new price keeps the cost that
// caps offers. Bad patches change nothing and name the field.
TEST_F(ServerTest, ProductPatchKeepsWhatItDoesNotName) {
  ApiClient c = Client(&catalog_);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/products", R"([{"id":"pt","title":"Tea","brand":"Leaf","price":3,"cost":2}])").status,
            200);
  ClientResponse r = Call(c, "PATCH", "/v1/eu/products/pt", R"({"price":3.5})",
                          {{"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(r.status, 200) << r.body;
  r = Call(c, "GET", "/v1/eu/products/pt");
  EXPECT_EQ(r.body, R"({"id":"pt","title":"Tea","category":"","brand":"Leaf","price":3.5,"cost":2,"active":true})");

  struct Bad {
    const char* body;
    const char* field;
  };
  for (const Bad& bad : {Bad{R"({"cots":1})", "cots"}, Bad{R"({"price":null})", "price"},
                         Bad{R"({"price":"4"})", "price"}, Bad{R"({"id":"other"})", "id"},
                         Bad{R"({"price":4,"price":5})", "price"}, Bad{R"([{"price":4}])", ""},
                         Bad{R"({"price":4}
{"price":5})", ""}}) {
    r = Call(c, "PATCH", "/v1/eu/products/pt", bad.body);
    EXPECT_EQ(r.status, 400) << bad.body << " " << r.body;
    EXPECT_EQ(JHas(r.body, "/error/field") ? JStr(r.body, "/error/field") : "", bad.field) << bad.body << " " << r.body;
  }
  EXPECT_EQ(Call(c, "GET", "/v1/eu/products/pt").body,
            R"({"id":"pt","title":"Tea","category":"","brand":"Leaf","price":3.5,"cost":2,"active":true})")
      << "refused patches changed nothing";

  r = Call(c, "PATCH", "/v1/eu/products/pt", R"({"brand":null,"active":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JStr(r.body, "/product/brand"), "") << "null removes";
  EXPECT_FALSE(JBool(r.body, "/product/active"));
  EXPECT_EQ(Call(c, "PATCH", "/v1/eu/products/nope", R"({"price":1})").status, 404);
  EXPECT_EQ(Call(c, "PATCH", "/v1/us/products/pt", R"({"price":1})").status, 404) << "per region";
  ApiClient recommend = Client(&recommend_);
  EXPECT_EQ(Call(recommend, "PATCH", "/v1/eu/products/pt", R"({"price":1})").status, 403);

  ASSERT_EQ(Call(c, "PUT", "/v1/eu/products", R"([{"id":"pt","title":"Tea","price":4}])").status, 200);
  EXPECT_FALSE(JHas(Call(c, "GET", "/v1/eu/products/pt").body, "/cost")) << "a PUT replaces the whole product";
  r = Call(c, "PUT", "/v1/eu/products", R"([{"id":"pt","title":"Tea","price":4,"cots":2}])");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(JStr(r.body, "/rejected/0/field"), "cots");
}

TEST_F(ServerTest, CostAbovePriceIsStoredWithAWarning) {
  ApiClient c = Client(&catalog_);
  ClientResponse r = Call(c, "PUT", "/v1/eu/products",
                          R"([{"id":"w1","title":"Ok","price":3,"cost":2},{"id":"w2","title":"Typo","price":3,"cost":20}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JInt(r.body, "/upserted"), 2);
  ASSERT_EQ(JLen(r.body, "/warnings"), 1u) << r.body;
  EXPECT_EQ(JInt(r.body, "/warnings/0/index"), 1);
  EXPECT_EQ(JStr(r.body, "/warnings/0/field"), "cost");
  r = Call(c, "PATCH", "/v1/eu/products/w1", R"({"price":1.5})");
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(JLen(r.body, "/warnings"), 1u) << r.body;
  EXPECT_EQ(JStr(r.body, "/warnings/0/field"), "cost");
  EXPECT_EQ(JLen(Call(c, "PATCH", "/v1/eu/products/w1", R"({"cost":null})").body, "/warnings"), 0u);
}

TEST_F(ServerTest, ProductListIsPagedByCursor) {
  ApiClient c = Client(&catalog_);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/products",
                 R"([{"id":"l3","title":"t","price":1},{"id":"l1","title":"t","price":1},)"
                 R"({"id":"l 5","title":"t","price":1,"active":false},{"id":"l2","title":"t","price":1},)"
                 R"({"id":"l4","title":"t","price":1}])")
                .status,
            200);
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    ClientResponse r = Call(c, "GET", "/v1/eu/products?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_LE(JLen(r.body, "/products"), 2u);
    for (size_t i = 0; i < JLen(r.body, "/products"); ++i) seen.push_back(JStr(r.body, "/products/" + std::to_string(i) + "/id"));
    simdjson::dom::parser parser;
    std::string_view next;
    cursor = parser.parse(r.body)["next_cursor"].get(next) ? "" : std::string(next);
    ASSERT_LT(++pages, 10) << r.body;
  } while (!cursor.empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"l 5", "l1", "l2", "l3", "l4"})) << "id order, each once";
  EXPECT_EQ(pages, 3);
  ClientResponse inactive = Call(c, "GET", "/v1/eu/products?active=false");
  ASSERT_EQ(JLen(inactive.body, "/products"), 1u) << inactive.body;
  EXPECT_EQ(JStr(inactive.body, "/products/0/id"), "l 5");
  EXPECT_EQ(JStr(Call(c, "GET", "/v1/eu/products?limit=1001").body, "/error/field"), "limit");
  EXPECT_EQ(JStr(Call(c, "GET", "/v1/eu/products?limit=0").body, "/error/field"), "limit");
  EXPECT_EQ(JStr(Call(c, "GET", "/v1/eu/products?active=maybe").body, "/error/field"), "active");
  EXPECT_EQ(JStr(Call(c, "GET", "/v1/eu/products?cursor=" + std::string(129, 'x')).body, "/error/field"), "cursor");
}

TEST_F(ServerTest, ADeletedProductTakesItsLevelsAndPriceRulesWithIt) {
  ApiClient c = Client(&catalog_);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/products", R"([{"id":"dl","title":"Tea","price":2}])").status, 200);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/inventory", R"([{"location":"online","product_id":"dl","quantity":3}])").status, 200);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/prices", R"([{"id":"dl-r","product_id":"dl","price":1.5}])").status, 200);
  ClientResponse r = Call(c, "DELETE", "/v1/eu/products/dl");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Call(c, "GET", "/v1/eu/products/dl").status, 404);
  EXPECT_EQ(Call(c, "DELETE", "/v1/eu/products/dl").status, 404);
  EXPECT_FALSE(server_->cell("eu")->catalog().GetInventory("online", "dl")->has_value());
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/products", R"([{"id":"dl","title":"Tea again","price":2}])").status, 200);
  r = Call(c, "GET", "/v1/eu/products/dl/price");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(JHas(r.body, "/price_rule")) << "the old rule went with the product: " << r.body;
  ApiClient recommend = Client(&recommend_);
  EXPECT_EQ(Call(recommend, "DELETE", "/v1/eu/products/dl").status, 403);
}

// The export is NDJSON the PUTs read: written into another region it
// exports the same again.
TEST_F(ServerTest, CatalogExportRoundTripsThroughThePuts) {
  ApiClient c = Client(&catalog_);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/products",
                 R"([{"id":"x1","title":"Tea \"green\"","category":"tea","brand":"Leaf","price":3.25,"cost":1.1},)"
                 R"({"id":"x2","title":"Cup","price":7,"active":false}])")
                .status,
            200);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/stores", R"([{"id":"xs","name":"One","latitude":52.52,"longitude":-13.405}])").status,
            200);
  ASSERT_EQ(Call(c, "PUT", "/v1/eu/inventory",
                 R"([{"location":"xs","product_id":"x1","quantity":4},{"location":"online","product_id":"x2","quantity":0}])")
                .status,
            200);
  for (const char* kind : {"products", "stores", "inventory"}) {
    auto exported = c.Send("GET", std::string("/v1/eu/catalog/export?kind=") + kind);
    ASSERT_TRUE(exported.ok());
    ASSERT_EQ(exported->status, 200) << exported->body;
    EXPECT_EQ(exported->Header("content-type"), "application/x-ndjson");
    EXPECT_EQ(std::count(exported->body.begin(), exported->body.end(), '\n'), 2 - (std::string(kind) == "stores"));
    ClientResponse put = Call(c, "PUT", std::string("/v1/us/") + kind, exported->body);
    ASSERT_EQ(put.status, 200) << kind << " " << put.body;
    auto again = c.Send("GET", std::string("/v1/us/catalog/export?kind=") + kind);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->body, exported->body) << kind;
  }
  EXPECT_EQ(c.Send("GET", "/v1/eu/catalog/export")->body.substr(0, 10), R"({"id":"x1")") << "products by default";
  EXPECT_EQ(JStr(Call(c, "GET", "/v1/eu/catalog/export?kind=prices").body, "/error/field"), "kind");
}

}  // namespace
}  // namespace confide
