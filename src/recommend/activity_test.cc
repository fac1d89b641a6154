#include "recommend/activity.h"

#include <gtest/gtest.h>

namespace confide {
namespace {

constexpr Micros kDay = kMicrosPerDay;

Event Make(EventType type, Micros t, std::string product, std::string order = {}) {
  Event e;
  e.type = type;
  e.timestamp = t;
  e.product_id = std::move(product);
  e.order_id = std::move(order);
  e.quantity = type == EventType::kPurchase || type == EventType::kReturn ? 1 : 0;
  return e;
}

TEST(Activity, GroupsBasketsSessionsCartAndWeights) {
  ItemVocabulary items;
  std::vector<Event> events = {
      Make(EventType::kView, 10 * kDay, "a"),
      Make(EventType::kAddToCart, 10 * kDay + 60'000'000, "b"),
      Make(EventType::kAddToCart, 10 * kDay + 120'000'000, "c"),
      Make(EventType::kPurchase, 10 * kDay + 180'000'000, "b", "o1"),
      Make(EventType::kPurchase, 10 * kDay + 180'000'000, "a", "o1"),
      Make(EventType::kPurchase, 20 * kDay, "a"),  // no order id: grouped by day
      Make(EventType::kPurchase, 20 * kDay + 1000, "d"),
      Make(EventType::kReturn, 21 * kDay, "d"),
  };
  Activity a = BuildActivity(events, InteractionWeights{}, 30 * kDay,
                             [&](std::string_view id) { return std::optional<uint32_t>(items.Intern(id)); });
  ASSERT_EQ(a.baskets.size(), 2u);
  EXPECT_EQ(a.baskets[0].items, (std::vector<uint32_t>{1, 0}));  // b, a
  EXPECT_EQ(a.baskets[1].items, (std::vector<uint32_t>{0, 3}));  // a, d
  ASSERT_EQ(a.sessions.size(), 1u);
  EXPECT_EQ(a.sessions[0], (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(a.cart, (std::vector<uint32_t>{2}));  // c was carted, never bought
  // d was bought and returned: nothing left; a: view 1 + 2 purchases 8.
  ASSERT_EQ(a.preferences.size(), 3u);
  EXPECT_EQ(a.preferences[0], (std::pair<uint32_t, float>{0, 9.0f}));
  EXPECT_EQ(a.preferences[1], (std::pair<uint32_t, float>{1, 6.0f}));
  EXPECT_EQ(a.preferences[2], (std::pair<uint32_t, float>{2, 2.0f}));
  EXPECT_EQ(a.last_event, 21 * kDay);
}

TEST(Activity, DecaysOldInteractionsAndSkipsUnknownItems) {
  InteractionWeights w;
  w.half_life_days = 10;
  std::vector<Event> events = {Make(EventType::kView, 0, "old"), Make(EventType::kView, 20 * kDay, "new"),
                               Make(EventType::kView, 20 * kDay, "unknown")};
  ItemVocabulary items;
  items.Intern("old");
  items.Intern("new");
  Activity a = BuildActivity(events, w, 20 * kDay, [&](std::string_view id) { return items.Find(id); });
  ASSERT_EQ(a.preferences.size(), 2u);
  EXPECT_FLOAT_EQ(a.preferences[0].second, 0.25f);  // two half-lives old
  EXPECT_FLOAT_EQ(a.preferences[1].second, 1.0f);
}

TEST(Activity, TransposeSwapsRowsAndColumns) {
  TrainingSet set;
  set.items.Intern("x");
  set.items.Intern("y");
  set.activities.resize(2);
  set.activities[0].preferences = {{0, 1.0f}, {1, 2.0f}};
  set.activities[1].preferences = {{1, 3.0f}};
  SparseMatrix m = PreferenceMatrix(set);
  SparseMatrix t = Transpose(m);
  EXPECT_EQ(t.rows, 2u);
  EXPECT_EQ(t.row_start, (std::vector<uint64_t>{0, 1, 3}));
  EXPECT_EQ(t.cols_of, (std::vector<uint32_t>{0, 0, 1}));
  EXPECT_EQ(t.values, (std::vector<float>{1.0f, 2.0f, 3.0f}));
}

}  // namespace
}  // namespace confide
