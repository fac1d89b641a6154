#include "catalog/availability.h"

#include <gtest/gtest.h>

#include "store/scratch_store.h"

namespace confide {
namespace {

TEST(Distance, KnownCityPairs) {
  EXPECT_NEAR(DistanceKm(48.8566, 2.3522, 51.5074, -0.1278), 343.5, 2.0);  // Paris - London
  EXPECT_NEAR(DistanceKm(10, 10, 10, 10), 0.0, 1e-9);
}

class AvailabilityTest : public ::testing::Test {
 protected:
  // Stores on a line east of (0, 0): s1 at 0.1 degrees, s2 at 0.2, ...,
  // about 11.1 km apart. "tea" in stock at s2, s4, s5 (s3 has a zero
  // level) and online; "cup" only in s1.
  void SetUp() override {
    catalog_ = std::make_unique<Catalog>(*store_);
    std::vector<StoreLocation> stores;
    for (int i = 1; i <= 5; ++i) stores.push_back({"s" + std::to_string(i), "Store", 0.0, 0.1 * i});
    ASSERT_TRUE(catalog_->PutStores(stores).ok());
    ASSERT_TRUE(catalog_->PutProducts({{"tea", "Tea", "drinks", "", 3'000'000, {}, true},
                                       {"cup", "Cup", "home", "", 5'000'000, {}, true}})
                    .ok());
    ASSERT_TRUE(catalog_->PutInventory({{"s2", "tea", 4}, {"s3", "tea", 0}, {"s4", "tea", 1}, {"s5", "tea", 9},
                                        {"online", "tea", 20}, {"s1", "cup", 2}})
                    .ok());
  }
  ScratchStore store_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(AvailabilityTest, NearestStoresWithStockInDistanceOrder) {
  auto dir = StoreDirectory::Load(*catalog_);
  ASSERT_TRUE(dir.ok());
  auto a = LookupAvailability(*catalog_, *dir, {"tea", "s1", std::nullopt, std::nullopt, 2});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->in_store, 0);
  ASSERT_EQ(a->nearest.size(), 2u);
  EXPECT_EQ(a->nearest[0].store_id, "s2");
  EXPECT_NEAR(*a->nearest[0].distance_km, 11.1, 0.2);
  EXPECT_EQ(a->nearest[1].store_id, "s4") << "s3 holds a zero level";
  EXPECT_EQ(a->online, 20);
  EXPECT_TRUE(a->ship_to_home);
  EXPECT_EQ(a->pickup, (std::vector<std::string>{"s2", "s4"}));

  // From the shopper's own position (east of s5) the order reverses.
  auto east = LookupAvailability(*catalog_, *dir, {"tea", "", 0.0, 0.55, 5});
  ASSERT_TRUE(east.ok());
  ASSERT_EQ(east->nearest.size(), 3u);
  EXPECT_EQ(east->nearest[0].store_id, "s5");
  EXPECT_EQ(east->nearest[1].store_id, "s4");
  EXPECT_EQ(east->nearest[2].store_id, "s2");
  EXPECT_FALSE(east->in_store.has_value());

  auto at_s5 = LookupAvailability(*catalog_, *dir, {"tea", "s5", std::nullopt, std::nullopt, 5});
  ASSERT_TRUE(at_s5.ok());
  EXPECT_EQ(at_s5->in_store, 9);
  EXPECT_EQ(at_s5->pickup.front(), "s5");
  for (const auto& s : at_s5->nearest) EXPECT_NE(s.store_id, "s5");
}

TEST_F(AvailabilityTest, ErrorsNameTheField) {
  auto dir = StoreDirectory::Load(*catalog_);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(LookupAvailability(*catalog_, *dir, {"nope", "", {}, {}, 5}).status().field(), "product_id");
  EXPECT_EQ(LookupAvailability(*catalog_, *dir, {"tea", "s9", {}, {}, 5}).status().field(), "store_id");
}

TEST_F(AvailabilityTest, FulfilmentOptionsByChannel) {
  auto store = FulfilmentOptions(*catalog_, "tea", "s2", true);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*store, (std::vector<std::string>{"in_store", "pickup_at:s2", "ship_to_home"}));
  auto web = FulfilmentOptions(*catalog_, "cup", "s1", false);
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(*web, (std::vector<std::string>{"pickup_at:s1"}));
}

TEST_F(AvailabilityTest, StockIndexIsRebuiltForOlderDatabases) {
  // A database written before the index: drop the index rows and the marker.
  WriteBatch b;
  b.DeleteRange(Family::kStock, "", "\xff");
  ASSERT_TRUE(store_->Write(b).ok());
  int seen = 0;
  ASSERT_TRUE(catalog_->ForEachStockOf("tea", [&](std::string_view, int64_t) { return ++seen, true; }).ok());
  ASSERT_EQ(seen, 0);
  ASSERT_TRUE(catalog_->EnsureStockIndex().ok());
  ASSERT_TRUE(catalog_->ForEachStockOf("tea", [&](std::string_view, int64_t) { return ++seen, true; }).ok());
  EXPECT_EQ(seen, 5);
}

}  // namespace
}  // namespace confide
