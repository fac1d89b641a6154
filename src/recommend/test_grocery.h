// Test data shared by the recommendation tests: a small grocery whose
// answers are known by construction.
#pragma once

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "recommend/model_set.h"

namespace confide::grocery {

inline constexpr Micros kDay = kMicrosPerDay;

inline Event Buy(const std::string& product, Micros t, const std::string& order, const std::string& store = {}) {
  Event e;
  e.type = EventType::kPurchase;
  e.timestamp = t;
  e.product_id = product;
  e.order_id = order;
  e.store_id = store;
  e.quantity = 1;
  return e;
}

// 120 shoppers in three taste groups. Each has two staples from their
// group, bought every week, plus one random item of the group per basket.
// "milk" is in everyone's basket; "bread" and "butter" always go together.
inline TrainingSet Grocery(Micros as_of = 100 * kDay) {
  TrainingSet set;
  set.as_of = as_of;
  std::mt19937 rng(7);
  for (int u = 0; u < 120; ++u) {
    int group = u % 3;
    auto item = [&](int i) { return "g" + std::to_string(group) + "-" + std::to_string(i); };
    std::string staple1 = item(u % 5), staple2 = item(5 + u % 5);
    std::vector<Event> events;
    for (int week = 0; week < 8; ++week) {
      std::string order = "o" + std::to_string(u) + "-" + std::to_string(week);
      Micros t = (40 + 7 * week) * kDay + u * 1000;
      for (const auto& p : {staple1, staple2, item(10 + static_cast<int>(rng() % 10)), std::string("milk")}) {
        events.push_back(Buy(p, t, order, u % 2 ? "s1" : "s2"));
      }
      if (week % 2 == 0) {
        events.push_back(Buy("bread", t, order));
        events.push_back(Buy("butter", t, order));
      }
    }
    AddShopper(set, "shopper" + std::to_string(u), events, InteractionWeights{});
  }
  return set;
}

// Models small enough to train in a test: 8 factors, 5 iterations.
inline TrainOptions SmallModels() {
  TrainOptions options;
  options.als.factors = 8;
  options.als.iterations = 5;
  options.als.threads = 2;
  options.cooccurrence.min_support = 2;
  return options;
}

// The group-0 shopper of the serving tests: staples g0-3 and g0-8, with
// milk, bought weekly for eight weeks.
inline std::vector<Event> Staples() {
  std::vector<Event> history;
  for (int week = 0; week < 8; ++week)
    for (const char* p : {"g0-3", "g0-8", "milk"}) history.push_back(Buy(p, (40 + 7 * week) * kDay, "w" + std::to_string(week)));
  return history;
}

// A suite whose tests share models trained once on Grocery() with SmallModels().
class TrainedOnGrocery : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto models = TrainModelSet(Grocery(), SmallModels());
    ASSERT_TRUE(models.ok()) << models.status().ToString();
    models_ = new ModelSet(std::move(*models));
  }
  static void TearDownTestSuite() {
    delete models_;
    models_ = nullptr;
  }
  inline static ModelSet* models_ = nullptr;
};

}  // namespace confide::grocery
