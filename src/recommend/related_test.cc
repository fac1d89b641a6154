// Similar items: one signal per list, best first, nothing under the floor.
#include "recommend/related.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

constexpr Micros kDay = kMicrosPerDay;

Event At(EventType type, const std::string& product, Micros t, const std::string& order = {}) {
  Event e;
  e.type = type;
  e.timestamp = t;
  e.product_id = product;
  e.order_id = order;
  e.quantity = 1;
  return e;
}

// Two taste groups buying their own staples weekly (never viewed), and
// browsers: laptops viewed together by 100, cat food with treats by 200,
// and two who looked at cat food right after a laptop.
TrainingSet Shop() {
  TrainingSet set;
  set.as_of = 100 * kDay;
  for (int u = 0; u < 60; ++u) {
    std::string group = u % 2 ? "b-" : "a-";
    std::vector<Event> events;
    for (int week = 0; week < 6; ++week) {
      std::string order = "o" + std::to_string(u) + "-" + std::to_string(week);
      Micros t = (50 + 7 * week) * kDay + u * 1000;
      for (int i = 0; i < 3; ++i) events.push_back(At(EventType::kPurchase, group + std::to_string((u / 2 + i) % 6), t, order));
    }
    AddShopper(set, "buyer" + std::to_string(u), events, InteractionWeights{});
  }
  auto browse = [&](const std::string& who, const std::string& first, const std::string& second) {
    Micros t = 60 * kDay;
    std::vector<Event> events{At(EventType::kView, first, t), At(EventType::kView, second, t + 60'000'000)};
    AddShopper(set, who, events, InteractionWeights{});
  };
  for (int u = 0; u < 100; ++u) browse("laptops" + std::to_string(u), "laptop", "laptop-2");
  for (int u = 0; u < 200; ++u) browse("pets" + std::to_string(u), "cat-food", "cat-treats");
  for (int u = 0; u < 2; ++u) browse("both" + std::to_string(u), "laptop", "cat-food");
  return set;
}

ModelSet Train() {
  TrainOptions o;
  o.als.factors = 8;
  o.als.iterations = 5;
  o.als.threads = 2;
  auto models = TrainModelSet(Shop(), o);
  EXPECT_TRUE(models.ok()) << models.status().ToString();
  return std::move(*models);
}

void ExpectBestFirst(const std::vector<RelatedItem>& list) {
  for (size_t i = 1; i < list.size(); ++i) EXPECT_GE(list[i - 1].score, list[i].score) << i;
}

TEST(SimilarItems, CoViewedItemsAboveTheFloorAndNothingPaddedIn) {
  ModelSet m = Train();
  const uint32_t laptop = *m.items.Find("laptop");
  auto list = SimilarItems(m, laptop, RelatedOptions{});
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(m.items.id(list[0].item), "laptop-2");
  for (const RelatedItem& r : list) {
    EXPECT_EQ(r.signal, RelatedSignal::kCoViewed) << "one signal, one scale";
    EXPECT_NE(m.items.id(r.item), "cat-food") << "two of 102 laptop visits: under the floor";
    EXPECT_NE(r.item, laptop);
  }
  ExpectBestFirst(list);
  // Without the floor the same two visits pad cat food in.
  RelatedOptions no_floor;
  no_floor.min_similarity = 0;
  bool cat_food = false;
  for (const RelatedItem& r : SimilarItems(m, laptop, no_floor)) cat_food |= m.items.id(r.item) == "cat-food";
  EXPECT_TRUE(cat_food);
}

TEST(SimilarItems, AnItemNobodyBrowsedTakesItsListFromTheFactors) {
  ModelSet m = Train();
  auto list = SimilarItems(m, *m.items.Find("a-0"), RelatedOptions{});
  ASSERT_FALSE(list.empty());
  for (const RelatedItem& r : list) {
    EXPECT_EQ(r.signal, RelatedSignal::kFactors);
    EXPECT_GT(r.score, 0);
    EXPECT_LE(r.score, 1);
  }
  ExpectBestFirst(list);
  EXPECT_EQ(m.items.id(list[0].item).substr(0, 2), "a-") << "bought by the same group";
  // A floor no cosine reaches leaves the list empty rather than padded.
  RelatedOptions strict;
  strict.min_similarity = 1.01f;
  EXPECT_TRUE(SimilarItems(m, *m.items.Find("a-0"), strict).empty());
}

}  // namespace
}  // namespace confide
