// Re-ranking a supplied list: every id back once and only those, the
// shopper's own items first when personalized, the store's best sellers
// first when not, unknown ids at the end and named.
#include "recommend/rerank.h"

#include <gtest/gtest.h>

#include <set>

#include "recommend/model_set.h"
#include "recommend/test_grocery.h"
#include "store/scratch_store.h"

namespace confide {
namespace {

using grocery::Buy;
using grocery::kDay;
using grocery::Staples;

class RerankTest : public grocery::TrainedOnGrocery {
 protected:
  void SetUp() override {
    std::vector<Product> products;
    for (uint32_t i = 0; i < models_->items.size(); ++i) products.push_back({models_->items.id(i), "t", "c", "", 1, {}, true});
    products.push_back({"new-item", "New", "c", "", 1, {}, true});  // in the catalog, not yet in the models
    ASSERT_TRUE(catalog_.PutProducts(products).ok());
  }

  Served Run(const std::vector<std::string>& ids, std::span<const Event> history, std::string store = {},
             const ModelSet* models = models_) {
    ServeQuery query;
    query.now = 100 * kDay;
    query.store_id = std::move(store);
    auto served = Rerank(models, history, InteractionWeights{}, catalog_, query, ids);
    EXPECT_TRUE(served.ok()) << served.status().ToString();
    return served.ok() ? *served : Served();
  }

  static std::vector<std::string> Ids(const Served& s) {
    std::vector<std::string> ids;
    for (const ServedItem& item : s.items) ids.push_back(item.product_id);
    return ids;
  }

  ScratchStore store_;
  Catalog catalog_{*store_};
};

TEST_F(RerankTest, KeepsTheGivenIdsOnceAndOnlyThoseWithUnknownOnesLastAndNamed) {
  const std::vector<std::string> given = {"g1-12", "nope", "g0-8", "new-item", "g2-4", "g0-3", "g0-8", "milk"};
  const Served s = Run(given, Staples());
  const std::vector<std::string> ids = Ids(s);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), std::set<std::string>(given.begin(), given.end()));
  EXPECT_EQ(ids.size(), 7u) << "g0-8 twice comes back once";
  EXPECT_EQ(s.unknown, std::vector<std::string>{"nope"});
  EXPECT_EQ(ids.back(), "nope");
  EXPECT_EQ(s.items.back().reason, "unknown_product");
  EXPECT_EQ(ids[5], "new-item");
  EXPECT_EQ(s.items[5].reason, "not_learned");
  EXPECT_TRUE(s.personalized);
  // The shopper's staples lead, as what they buy again.
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.begin() + 3), (std::set<std::string>{"g0-3", "g0-8", "milk"}));
  EXPECT_EQ(s.items[0].reason, "bought_before");
  for (const ServedItem& item : s.items) EXPECT_FALSE(item.reason.empty()) << item.product_id;
}

TEST_F(RerankTest, WithoutTheShoppersDataTheStoresBestSellersLeadAndNothingOfTheShopperIsRead) {
  // milk is in every basket: the store's best seller, and the region's.
  const Served s = Run({"g1-12", "bread", "milk"}, {}, "s1");
  EXPECT_FALSE(s.personalized);
  ASSERT_EQ(s.items.size(), 3u);
  EXPECT_EQ(s.items[0].product_id, "milk");
  EXPECT_EQ(s.items[0].reason, "popular_in_store");
  EXPECT_GE(s.items[0].score, s.items[1].score);
  const Served online = Run({"g1-12", "milk"}, {}, "");
  EXPECT_EQ(online.items[0].product_id, "milk");
  EXPECT_EQ(online.items[0].reason, "trending");
  // With the shopper's history, what they buy again leads instead.
  EXPECT_EQ(Run({"bread", "g1-3", "milk", "g0-3"}, Staples(), "s1").items[0].reason, "bought_before");
}

TEST_F(RerankTest, BeforeAnyTrainingTheListKeepsItsOrder) {
  const Served s = Run({"g0-3", "nope", "milk"}, Staples(), "", nullptr);
  EXPECT_EQ(Ids(s), (std::vector<std::string>{"g0-3", "milk", "nope"}));
  EXPECT_EQ(s.items[0].reason, "not_learned");
  EXPECT_FALSE(s.personalized);
}

}  // namespace
}  // namespace confide
