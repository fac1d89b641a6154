// The catalog files: stores, products and inventory.
#include "synth/generator.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "synth/test_retailer.h"

namespace confide::synth {
namespace {

namespace fs = std::filesystem;

TEST(Generate, StoresSitInTheirRegionAndSplitByRegionShare) {
  const Generated& g = Small();
  struct Box {
    double min_lat, max_lat, min_lon, max_lon;
  };
  const std::map<std::string, Box> boxes = {
      {"eu", {34, 72, -25, 45}}, {"us", {18, 72, -170, -60}}, {"apac", {-50, 50, 60, 180}}};
  std::set<std::string> ids;
  std::map<std::string, size_t> counts;
  for (const std::string& region : g.options.regions) {
    const std::vector<Row> stores = ReadCsv(g.File(region, "stores.csv"));
    ASSERT_FALSE(stores.empty());
    EXPECT_EQ(stores[0], (Row{"id", "name", "latitude", "longitude"}));
    const Box& box = boxes.at(region);
    for (size_t i = 1; i < stores.size(); ++i) {
      const Row& row = stores[i];
      ASSERT_EQ(row.size(), 4u);
      EXPECT_EQ(row[0].size(), 5u);
      EXPECT_EQ(row[0][0], 'S');
      EXPECT_TRUE(ids.insert(row[0]).second) << "store id reused: " << row[0];
      EXPECT_FALSE(row[1].empty());
      const double lat = std::stod(row[2]), lon = std::stod(row[3]);
      EXPECT_TRUE(lat >= box.min_lat && lat <= box.max_lat)
          << region << " " << row[1] << " lat " << lat;
      EXPECT_TRUE(lon >= box.min_lon && lon <= box.max_lon)
          << region << " " << row[1] << " lon " << lon;
    }
    counts[region] = stores.size() - 1;
  }
  EXPECT_EQ(counts["eu"] + counts["us"] + counts["apac"], g.options.stores);
  EXPECT_GE(counts["eu"], counts["us"]);
  EXPECT_GE(counts["us"], counts["apac"]);
  EXPECT_GE(counts["apac"], 1u);
}

TEST(Generate, ProductsShareIdsAcrossRegionsWithRegionalPrices) {
  const Generated& g = Small();
  std::map<std::string, std::vector<Row>> by_region;
  for (const std::string& region : g.options.regions)
    by_region[region] = ReadCsv(g.File(region, "products.csv"));
  const std::vector<Row>& eu = by_region["eu"];
  ASSERT_EQ(eu.size(), g.options.products + 1u);
  EXPECT_EQ(eu[0], (Row{"id", "title", "category", "brand", "price", "cost", "active"}));
  std::set<std::string> categories;
  int inactive = 0;
  for (const auto& [region, rows] : by_region) {
    ASSERT_EQ(rows.size(), eu.size()) << region;
    double price_ratio_sum = 0;
    for (size_t i = 1; i < rows.size(); ++i) {
      const Row& row = rows[i];
      ASSERT_EQ(row.size(), 7u);
      EXPECT_EQ(row[0], eu[i][0]) << "same ids, same order, in every region";
      EXPECT_EQ(row[1], eu[i][1]);
      EXPECT_FALSE(row[1].empty() || row[2].empty() || row[3].empty());
      const int64_t price = ParseCents(row[4]), cost = ParseCents(row[5]);
      EXPECT_GT(price, 0) << row[4];
      EXPECT_GT(cost, 0) << row[5];
      EXPECT_LT(cost, price);
      EXPECT_TRUE(row[6] == "true" || row[6] == "false");
      price_ratio_sum += static_cast<double>(price) / static_cast<double>(ParseCents(eu[i][4]));
      if (region == "eu") {
        categories.insert(row[2]);
        inactive += row[6] == "false";
      }
    }
    const double mean_ratio = price_ratio_sum / static_cast<double>(rows.size() - 1);
    const double expected = region == "eu" ? 1.0 : region == "us" ? 1.1 : 1.45;
    EXPECT_NEAR(mean_ratio, expected, 0.08) << region;
  }
  EXPECT_GE(categories.size(), 35u);
  EXPECT_LT(inactive, 20);  // ~2% of 200
}

TEST(Generate, InventoryCoversTheCatalog) {
  const Generated& g = Small();
  for (const std::string& region : g.options.regions) {
    SCOPED_TRACE(region);
    std::set<std::string> products, stores;
    for (const Row& row : ReadCsv(g.File(region, "products.csv"))) products.insert(row[0]);
    for (const Row& row : ReadCsv(g.File(region, "stores.csv"))) stores.insert(row[0]);
    products.erase("id");
    stores.erase("id");
    const std::vector<Row> inventory = ReadCsv(g.File(region, "inventory.csv"));
    EXPECT_EQ(inventory[0], (Row{"location", "product_id", "quantity"}));
    std::set<std::string> online;
    std::map<std::string, size_t> per_store;
    size_t empty_shelves = 0;
    for (size_t i = 1; i < inventory.size(); ++i) {
      const Row& row = inventory[i];
      ASSERT_EQ(row.size(), 3u);
      EXPECT_TRUE(products.count(row[1])) << "unknown product " << row[1];
      EXPECT_TRUE(IsUnsigned(row[2])) << row[2];
      if (row[0] == "online") {
        EXPECT_TRUE(online.insert(row[1]).second) << "twice online: " << row[1];
      } else {
        EXPECT_TRUE(stores.count(row[0])) << "not a store of " << region << ": " << row[0];
        ++per_store[row[0]];
        empty_shelves += row[2] == "0";
      }
    }
    EXPECT_EQ(online, products) << "every product is sold online";
    EXPECT_EQ(per_store.size(), stores.size()) << "every store stocks something";
    for (const auto& [store, count] : per_store) {
      const double share = static_cast<double>(count) / static_cast<double>(products.size());
      EXPECT_TRUE(share > 0.45 && share < 0.95) << store << " stocks " << share;
    }
    EXPECT_GT(empty_shelves, 0u) << "some store shelves are empty";
  }
}

}  // namespace
}  // namespace confide::synth
