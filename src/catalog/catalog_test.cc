#include "catalog/catalog.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

Record Make(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Record r;
  for (auto [k, v] : fields) r.Add(k, v);
  return r;
}

TEST(CatalogRecords, ProductNeedsIdTitleAndPositivePrice) {
  auto ok = ProductFromRecord(Make({{"id", "P1"}, {"title", "Milk"}, {"price", "1.25"}, {"active", "false"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->price, 1'250'000);
  EXPECT_FALSE(ok->active);
  struct Case {
    std::initializer_list<std::pair<const char*, const char*>> fields;
    const char* field;
  };
  for (const auto& c : {Case{{{"title", "Milk"}, {"price", "1"}}, "id"},
                        Case{{{"id", "P1"}, {"price", "1"}}, "title"},
                        Case{{{"id", "P1"}, {"title", "t"}, {"price", "0"}}, "price"},
                        Case{{{"id", "P1"}, {"title", "t"}, {"price", "abc"}}, "price"},
                        Case{{{"id", "P1"}, {"title", "t"}, {"price", "1"}, {"cost", "-1"}}, "cost"},
                        Case{{{"id", "P1"}, {"title", "t"}, {"price", "1"}, {"active", "yes"}}, "active"}}) {
    auto r = ProductFromRecord(Make(c.fields));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().field(), c.field);
  }
}

TEST(CatalogRecords, StoreCoordinatesAreChecked) {
  auto s = StoreFromRecord(Make({{"id", "S1"}, {"name", "Paris"}, {"latitude", "48.85"}, {"longitude", "2.35"}}));
  ASSERT_TRUE(s.ok());
  EXPECT_DOUBLE_EQ(s->latitude, 48.85);
  EXPECT_EQ(StoreFromRecord(Make({{"id", "S1"}, {"name", "x"}, {"latitude", "91"}, {"longitude", "0"}}))
                .status().field(), "latitude");
  EXPECT_EQ(StoreFromRecord(Make({{"id", "S1"}, {"name", "x"}, {"latitude", "1"}, {"longitude", "east"}}))
                .status().field(), "longitude");
  EXPECT_EQ(StoreFromRecord(Make({{"id", "online"}, {"name", "x"}, {"latitude", "1"}, {"longitude", "1"}}))
                .status().field(), "id");
}

TEST(CatalogRecords, InventoryQuantityIsANonNegativeInteger) {
  EXPECT_EQ(InventoryFromRecord(Make({{"location", "online"}, {"product_id", "P"}, {"quantity", "3"}}))->quantity, 3);
  EXPECT_EQ(InventoryFromRecord(Make({{"location", "S1"}, {"product_id", "P"}, {"quantity", "-1"}})).status().field(),
            "quantity");
  EXPECT_EQ(InventoryFromRecord(Make({{"location", "S1"}, {"product_id", "P"}, {"quantity", "2.5"}})).status().field(),
            "quantity");
  EXPECT_EQ(InventoryFromRecord(Make({{"product_id", "P"}, {"quantity", "1"}})).status().field(), "location");
}

TEST(CatalogRecords, JsonForms) {
  Product p{"P1", "Oat \"milk\"", "dairy", "B", 1'990'000, std::nullopt, true};
  EXPECT_EQ(ProductToJson(p),
            R"({"id":"P1","title":"Oat \"milk\"","category":"dairy","brand":"B","price":1.99,"active":true})");
  EXPECT_EQ(StoreToJson({"S1", "Paris", 48.85, 2.35}),
            R"({"id":"S1","name":"Paris","latitude":48.85,"longitude":2.35})");
}

}  // namespace
}  // namespace confide
