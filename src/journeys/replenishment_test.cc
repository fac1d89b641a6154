#include "journeys/replenishment.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

const Micros kDay = kMicrosPerDay;
const Micros kStart = 20'000 * kMicrosPerDay;  // a day boundary in 2024

Event Buy(const std::string& product, int day, int64_t quantity = 1) {
  Event e;
  e.type = EventType::kPurchase;
  e.timestamp = kStart + day * kDay + 10 * 3600 * kMicrosPerSecond;
  e.product_id = product;
  e.quantity = quantity;
  return e;
}

std::vector<Event> Sorted(std::vector<Event> v) {
  std::stable_sort(v.begin(), v.end(), [](const Event& a, const Event& b) { return a.timestamp < b.timestamp; });
  return v;
}

const DueItem* Find(const std::vector<DueItem>& v, const std::string& id) {
  for (const auto& d : v)
    if (d.product_id == id) return &d;
  return nullptr;
}

TEST(Replenishment, MedianGapIsRobustToOneOddGap) {
  // Milk every 7 days, once 30 (a holiday); two of them every time; bread once.
  std::vector<Event> h;
  for (int day : {0, 7, 14, 44, 51, 58}) h.push_back(Buy("milk", day, 2));
  h.push_back(Buy("bread", 3));
  Micros now = kStart + 60 * kDay;
  auto all = PredictReplenishment(Sorted(h), now, {}, {});
  ASSERT_EQ(all.size(), 1u) << "bread was bought once";
  const DueItem& milk = all[0];
  EXPECT_EQ(milk.occasions, 6u);
  EXPECT_EQ(milk.quantity, 2);
  EXPECT_NEAR(milk.interval_days, 7.0, 0.01) << "the median, and the shopper's rhythm agrees";
  EXPECT_EQ(milk.due, kStart + 65 * kDay);
  EXPECT_GT(milk.confidence, 0.7);
  EXPECT_EQ(DueWithin(Sorted(h), now, 7 * kDay, {}, {}).size(), 1u);
  EXPECT_EQ(DueWithin(Sorted(h), now, 2 * kDay, {}, {}).size(), 0u) << "due in five days";
}

TEST(Replenishment, ShortHistoryLeansOnTheItemsTypicalCycle) {
  std::vector<Event> h = {Buy("soap", 0), Buy("soap", 10)};
  Micros now = kStart + 12 * kDay;
  auto alone = PredictReplenishment(h, now, {}, {});
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_NEAR(alone[0].interval_days, 10.0, 0.01);
  // Across shoppers soap lasts 30 days: with one gap and prior weight 2,
  // (1 x 10 + 2 x 30) / 3.
  auto with_prior = PredictReplenishment(h, now, [](std::string_view) { return ItemCycle{30.0, true}; }, {});
  EXPECT_NEAR(with_prior[0].interval_days, 70.0 / 3, 0.01);
  EXPECT_LT(with_prior[0].confidence, 0.5) << "one gap is weak evidence";
}

TEST(Replenishment, ADurableGoodIsNeverDueHoweverOftenTheShopperBoughtIt) {
  // A laptop bought three times, 95 days apart: regular, but shoppers at
  // large do not buy laptops again.
  std::vector<Event> h;
  for (int day : {0, 95, 190}) h.push_back(Buy("laptop", day));
  for (int day : {0, 7, 14, 21}) h.push_back(Buy("milk", day));
  h = Sorted(h);
  Micros now = kStart + 280 * kDay;
  CyclePrior durable_laptop = [](std::string_view p) { return ItemCycle{p == "laptop" ? 0.0 : 7.0, p != "laptop"}; };
  ASSERT_NE(Find(PredictReplenishment(h, now, {}, {}), "laptop"), nullptr) << "without the model's verdict it is due";
  EXPECT_EQ(Find(PredictReplenishment(h, now, durable_laptop, {}), "laptop"), nullptr);
  EXPECT_NE(Find(PredictReplenishment(h, now, durable_laptop, {}), "milk"), nullptr);
}

TEST(Replenishment, IrregularAndLongOverdueItemsAreLessCertain) {
  std::vector<Event> regular, irregular;
  for (int day : {0, 10, 20, 30, 40}) regular.push_back(Buy("a", day));
  for (int day : {0, 3, 25, 28, 40}) irregular.push_back(Buy("a", day));
  Micros now = kStart + 45 * kDay;
  double r = PredictReplenishment(regular, now, {}, {})[0].confidence;
  double i = PredictReplenishment(irregular, now, {}, {})[0].confidence;
  EXPECT_GT(r, i);
  double lapsed = PredictReplenishment(regular, kStart + 120 * kDay, {}, {})[0].confidence;
  EXPECT_LT(lapsed, r / 5) << "overdue by many cycles";
  EXPECT_EQ(DueWithin(regular, kStart + 120 * kDay, 7 * kDay, {}, {}).size(), 0u) << "below min_confidence: lapsed";
  ReplenishmentConfig all;
  all.min_confidence = 0;
  EXPECT_EQ(DueWithin(regular, kStart + 120 * kDay, 7 * kDay, {}, all).size(), 1u);
  ReplenishmentConfig three;
  three.min_purchases = 6;
  EXPECT_TRUE(PredictReplenishment(regular, now, {}, three).empty());
}

TEST(Replenishment, SameDayPurchasesAreOneOccasion) {
  std::vector<Event> h = {Buy("a", 0, 1), Buy("a", 0, 2), Buy("a", 5, 3)};
  auto all = PredictReplenishment(h, kStart + 6 * kDay, {}, {});
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].occasions, 2u);
  EXPECT_EQ(all[0].quantity, 3);
  EXPECT_EQ(Find(all, "a")->last_purchase, h[2].timestamp);
}

TEST(Replenishment, Horizons) {
  EXPECT_EQ(ParseHorizon("7d"), 7 * kDay);
  EXPECT_EQ(ParseHorizon("2w"), 14 * kDay);
  EXPECT_EQ(ParseHorizon("36h"), 36 * 3600 * kMicrosPerSecond);
  for (const char* bad : {"", "7", "d", "0d", "-1d", "366d", "7x", "1.5d"}) EXPECT_FALSE(ParseHorizon(bad)) << bad;
}

}  // namespace
}  // namespace confide
