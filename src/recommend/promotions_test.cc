// Promotions in a list: which are in effect, the slots a share takes for
// promoted products of the categories the list holds (and never another
// category's), a boost raising what the ranking holds, each marked
// promoted, and the catalog's rules applied to them as to any item.
#include "recommend/promotions.h"

#include <gtest/gtest.h>

#include "recommend/serving.h"
#include "recommend/test_grocery.h"
#include "store/scratch_store.h"

namespace confide {
namespace {

using grocery::Buy;
using grocery::kDay;
using grocery::Staples;

PromotionConfig Promotion(std::string name, std::vector<std::string> products, double share, double boost = 0) {
  PromotionConfig p;
  p.name = std::move(name);
  p.products = std::move(products);
  p.from = 90 * kDay;
  p.until = 110 * kDay;
  p.share = share;
  p.boost = boost;
  return p;
}

TEST(PromotionsTest, InEffectForTheirPeriodChannelsAndStores) {
  std::vector<PromotionConfig> all = {Promotion("any", {"a"}, 0.1), Promotion("app", {"a"}, 0.1),
                                      Promotion("s1", {"a"}, 0.1)};
  all[1].channels = {"app"};
  all[2].stores = {"s1"};
  auto names = [&](Micros now, std::string_view channel, std::string_view store) {
    std::vector<std::string> out;
    for (const PromotionConfig* p : ActivePromotions(all, now, channel, store)) out.push_back(p->name);
    return out;
  };
  EXPECT_EQ(names(100 * kDay, "web", ""), std::vector<std::string>{"any"});
  EXPECT_EQ(names(100 * kDay, "app", "s1"), (std::vector<std::string>{"any", "app", "s1"}));
  EXPECT_TRUE(names(90 * kDay - 1, "app", "s1").empty()) << "before from";
  EXPECT_TRUE(names(110 * kDay, "app", "s1").empty()) << "until is exclusive";
}

TEST(PromotionsTest, ASharePromotionTakesAtLeastOneSlotAndAllOfThemAtMostHalf) {
  PromotionConfig tenth = Promotion("a", {"x"}, 0.1), half = Promotion("b", {"y"}, 0.5), boost = Promotion("c", {"z"}, 0, 2);
  EXPECT_EQ(PromotedSlots({&tenth}, 10), 1u);
  EXPECT_EQ(PromotedSlots({&tenth}, 5), 1u) << "floor(0.5), at least one";
  EXPECT_EQ(PromotedSlots({&tenth, &half}, 10), 5u) << "1 + 5, at most half";
  EXPECT_EQ(PromotedSlots({&boost}, 10), 0u);
}

std::string CategoryOf(const std::string& id) { return id.rfind("g", 0) == 0 ? id.substr(0, 2) : "staples"; }

class PromotedListTest : public grocery::TrainedOnGrocery {
 protected:
  void SetUp() override {
    std::vector<Product> products;
    std::vector<InventoryLevel> stock;
    for (uint32_t i = 0; i < models_->items.size(); ++i) {
      const std::string& id = models_->items.id(i);
      products.push_back({id, "t", CategoryOf(id), "", 1, {}, true});
      stock.push_back({"online", id, id == "g0-18" ? 0 : 5});  // g0-18 is out of stock
    }
    products.push_back({"g0-19", "t", "g0", "", 1, {}, false});  // inactive
    ASSERT_TRUE(catalog_.PutProducts(products).ok());
    ASSERT_TRUE(catalog_.PutInventory(stock).ok());
  }

  Served Serve(std::span<const Event> history, const std::vector<PromotionConfig>& promotions) {
    ServeQuery query;
    query.now = 100 * kDay;
    query.max_per_category = 0;
    query.promotions = ActivePromotions(promotions, query.now, "web", "");
    auto served = ServeRecommendations(models_, history, InteractionWeights{}, catalog_, query);
    EXPECT_TRUE(served.ok()) << served.status().ToString();
    return served.ok() ? *served : Served();
  }
  static std::vector<std::string> Promoted(const Served& s) {
    std::vector<std::string> ids;
    for (const ServedItem& item : s.items)
      if (item.promoted) ids.push_back(item.product_id);
    return ids;
  }

  ScratchStore store_;
  ManualClock clock_{1'000 * kDay};
  Catalog catalog_{*store_, clock_};
};

TEST_F(PromotedListTest, AShareSlotTakesAPromotedProductOfACategoryTheListHolds) {
  const Served organic = Serve(Staples(), {});
  ASSERT_TRUE(organic.personalized);
  ASSERT_EQ(organic.items.size(), 10u);
  EXPECT_TRUE(Promoted(organic).empty());
  // g1 is another group's category; g0-18 is out of stock, g0-19 inactive.
  for (const ServedItem& item : organic.items) ASSERT_NE(CategoryOf(item.product_id), "g1");
  const Served served = Serve(Staples(), {Promotion("push", {"g1-12", "g0-18", "g0-19", "g0-17"}, 0.1)});
  ASSERT_EQ(served.items.size(), 10u);
  EXPECT_EQ(Promoted(served), std::vector<std::string>{"g0-17"});
  EXPECT_EQ(served.items.back().product_id, "g0-17");
  EXPECT_EQ(served.items.back().reason, "promoted");
  for (size_t i = 0; i + 1 < 10; ++i) EXPECT_EQ(served.items[i].product_id, organic.items[i].product_id);
  EXPECT_NE(ServedToJson(served).find(R"("reason":"promoted","promoted":true})"), std::string::npos) << ServedToJson(served);
  // Nothing of a held category to promote: the slot goes back to the ranking.
  const Served none = Serve(Staples(), {Promotion("push", {"g1-12", "g1-13"}, 0.1)});
  EXPECT_TRUE(Promoted(none).empty()) << ServedToJson(none);
  EXPECT_EQ(none.items.size(), 10u);
}

TEST_F(PromotedListTest, ABoostRaisesWhatTheRankingHoldsAndMarksIt) {
  const Served organic = Serve(Staples(), {});
  const std::string last = organic.items.back().product_id;
  const Served boosted = Serve(Staples(), {Promotion("raise", {last}, 0, 100)});
  ASSERT_EQ(boosted.items.size(), 10u);
  EXPECT_EQ(boosted.items.front().product_id, last) << "x100 puts it first";
  EXPECT_EQ(boosted.items.front().reason, organic.items.back().reason) << "it keeps its reason";
  EXPECT_EQ(Promoted(boosted), std::vector<std::string>{last});
}

TEST_F(PromotedListTest, AListThatIsNotPersonalizedCarriesNoPromotion) {
  const Served served = Serve({}, {Promotion("push", {"milk", "g0-17"}, 0.5), Promotion("raise", {"milk"}, 0, 10)});
  EXPECT_FALSE(served.personalized);
  EXPECT_TRUE(Promoted(served).empty());
}

}  // namespace
}  // namespace confide
