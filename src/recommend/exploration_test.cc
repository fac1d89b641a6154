// New products in personalized lists: a product the models have not
// learned, added to the catalog lately, takes the exploration slots of a
// list that already holds its category, and of no other list.
#include <gtest/gtest.h>

#include <set>

#include "recommend/model_set.h"
#include "recommend/serving.h"
#include "recommend/test_grocery.h"
#include "store/scratch_store.h"

namespace confide {
namespace {

using grocery::Buy;
using grocery::kDay;
using grocery::Staples;

std::string CategoryOf(const std::string& id) { return id.rfind("g", 0) == 0 ? id.substr(0, 2) : "staples"; }

class ExplorationTest : public grocery::TrainedOnGrocery {
 protected:
  void SetUp() override {
    std::vector<Product> products;
    for (uint32_t i = 0; i < models_->items.size(); ++i) {
      const std::string& id = models_->items.id(i);
      products.push_back({id, "t", CategoryOf(id), "", 1, {}, true});
    }
    products.push_back({"old-g0", "Old", "g0", "", 1, {}, true});  // never bought, but not new
    Put(products);
    clock_.Advance(std::chrono::hours(24 * 30));
    Put({{"new-g0", "New", "g0", "", 1, {}, true}, {"new-g2", "New", "g2", "", 1, {}, true}});
    clock_.Advance(std::chrono::hours(24));
    Put({{"new-g0-inactive", "New", "g0", "", 1, {}, false}});
  }
  void Put(const std::vector<Product>& products) {
    ASSERT_TRUE(catalog_.PutProducts(products).ok());
    std::vector<InventoryLevel> stock;
    for (const Product& p : products) stock.push_back({"online", p.id, 5});
    ASSERT_TRUE(catalog_.PutInventory(stock).ok());
  }

  Served Serve(std::span<const Event> history, double share, size_t k = 10) {
    auto found = FindNewProducts(catalog_, *models_, clock_.Now() - 14 * kDay);
    EXPECT_TRUE(found.ok());
    new_products_ = std::move(*found);
    ServeQuery query;
    query.now = 100 * kDay;
    query.k = k;
    query.max_per_category = 0;
    query.new_products = &new_products_;
    query.exploration_share = share;
    auto served = ServeRecommendations(models_, history, InteractionWeights{}, catalog_, query);
    EXPECT_TRUE(served.ok()) << served.status().ToString();
    return served.ok() ? *served : Served();
  }
  static std::vector<std::string> NewOnes(const Served& s) {
    std::vector<std::string> ids;
    for (const ServedItem& item : s.items)
      if (item.reason == "new_in_category") ids.push_back(item.product_id);
    return ids;
  }

  ScratchStore store_;
  ManualClock clock_{1'000 * kDay};
  Catalog catalog_{*store_, clock_};
  NewProducts new_products_;
};

TEST_F(ExplorationTest, NewProductsAreTheActiveUnlearnedOnesAddedLately) {
  auto found = FindNewProducts(catalog_, *models_, clock_.Now() - 14 * kDay);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->by_category.at("g0"), std::vector<std::string>{"new-g0"}) << "not old-g0, not an inactive one";
  EXPECT_EQ(found->by_category.at("g2"), std::vector<std::string>{"new-g2"});
  EXPECT_EQ(found->by_category.size(), 2u) << "no learned product is new";
  ASSERT_TRUE(catalog_.PutProducts({{"new-g0", "Renamed", "g0", "", 1, {}, true}}).ok());
  EXPECT_EQ(catalog_.GetProduct("new-g0")->value().added_at, clock_.Now() - kDay) << "a later put keeps added_at";
}

TEST_F(ExplorationTest, TheLastSlotGoesToANewProductOfACategoryTheListHolds) {
  const Served served = Serve(Staples(), 0.1);
  ASSERT_TRUE(served.personalized);
  ASSERT_EQ(served.items.size(), 10u);
  EXPECT_EQ(served.items.back().product_id, "new-g0");
  EXPECT_EQ(served.items.back().reason, "new_in_category");
  EXPECT_EQ(NewOnes(served), std::vector<std::string>{"new-g0"}) << "one slot of ten; g2 is not this shopper's";
  const Served without = Serve(Staples(), 0);
  EXPECT_TRUE(NewOnes(without).empty());
  for (size_t i = 0; i + 1 < 10; ++i)
    EXPECT_EQ(served.items[i].product_id, without.items[i].product_id) << "the ranking keeps the first nine slots";
  // Three slots, one new product per category the first seven hold.
  const Served three = Serve(Staples(), 0.3);
  std::set<std::string> held;
  for (size_t i = 0; i < 7; ++i) held.insert(CategoryOf(three.items[i].product_id));
  std::set<std::string> expected;
  for (const char* id : {"new-g0", "new-g2"})
    if (held.contains(CategoryOf(id + 4))) expected.insert(id);
  const std::vector<std::string> explored = NewOnes(three);
  EXPECT_EQ(std::set<std::string>(explored.begin(), explored.end()), expected);
  EXPECT_LT(expected.size(), 3u);
  EXPECT_EQ(three.items.size(), 10u) << "the unused slots go back to the ranking";
  EXPECT_TRUE(NewOnes(Serve(Staples(), 0.1, 5)).empty()) << "floor(5 x 0.1) = 0 slots";
}

TEST_F(ExplorationTest, AListThatIsNotPersonalizedExploresNothing) {
  const Served served = Serve({}, 0.5);
  EXPECT_FALSE(served.personalized);
  EXPECT_TRUE(NewOnes(served).empty()) << "no taste known: no category to match";
}

}  // namespace
}  // namespace confide
