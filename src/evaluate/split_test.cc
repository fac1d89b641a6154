// The two protocols on a small event list whose split is worked out by hand.
#include "evaluate/split.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace confide {
namespace {

constexpr Micros kHour = 3600 * kMicrosPerSecond;
Micros Day(int d, int hour = 12) { return DaysFromCivil(2024, 3, d) * kMicrosPerDay + hour * kHour; }

Event Make(EventType type, IdKind kind, const std::string& id, const std::string& product, Micros t,
           const std::string& order = "") {
  static int next = 0;
  Event e;
  e.event_id = "e" + std::to_string(++next);
  e.type = type;
  e.id(kind) = id;
  e.product_id = product;
  e.timestamp = t;
  e.order_id = order;
  e.quantity = type == EventType::kPurchase ? 1 : 0;
  return e;
}
Event Buy(const std::string& customer, const std::string& product, Micros t, const std::string& order = "") {
  return Make(EventType::kPurchase, IdKind::kCustomer, customer, product, t, order);
}
Event See(const std::string& customer, const std::string& product, Micros t) {
  return Make(EventType::kView, IdKind::kCustomer, customer, product, t);
}

// a: orders on days 1, 3 and 5 (the last holding a repeat, an item a only
//    viewed, and an item nobody had before), a view between the last two
//    orders and one after the last.
// b: a view on day 1, a single order on day 2.
// c: a view on day 2, nothing bought.
// d: a guest (anonymous id) without order ids: two purchases on day 1 (one
//    basket: same UTC day), one on day 2.
// e: a single order on day 4.
std::vector<Event> Shop() {
  std::vector<Event> events = {
      Buy("a", "10", Day(1), "o1"),
      Buy("a", "11", Day(1), "o1"),
      Buy("a", "10", Day(3), "o2"),
      Buy("a", "12", Day(3), "o2"),
      See("a", "14", Day(4)),
      Buy("a", "10", Day(5), "o3"),
      Buy("a", "14", Day(5), "o3"),
      Buy("a", "13", Day(5), "o3"),
      See("a", "15", Day(6)),
      See("b", "21", Day(1)),
      Buy("b", "20", Day(2), "ob"),
      See("c", "10", Day(2)),
      Make(EventType::kPurchase, IdKind::kAnonymous, "guest-9", "10", Day(1, 9)),
      Make(EventType::kPurchase, IdKind::kAnonymous, "guest-9", "11", Day(1, 10)),
      Make(EventType::kPurchase, IdKind::kAnonymous, "guest-9", "30", Day(2)),
      Buy("e", "40", Day(4), "oe"),
  };
  return events;
}

// Groups the events handed over newest first, shoppers interleaved
// (GroupEvents sorts each shopper's by time, keeping equal times in input
// order).
EventLog Log() {
  std::vector<Event> events = Shop();
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& x, const Event& y) { return x.timestamp > y.timestamp; });
  // A re-sent event: dropped as a duplicate.
  events.push_back(events.front());
  EventLog log = GroupEvents(std::move(events));
  EXPECT_EQ(log.duplicates, 1u);
  return log;
}

size_t ShopperIndex(const EvalSet& set, const std::string& id) {
  auto it = std::find(set.training.shoppers.begin(), set.training.shoppers.end(), id);
  EXPECT_NE(it, set.training.shoppers.end()) << id;
  return static_cast<size_t>(it - set.training.shoppers.begin());
}

std::vector<std::string> Names(const EvalSet& set, const std::vector<uint32_t>& items) {
  std::vector<std::string> names;
  for (uint32_t item : items)
    names.push_back(item < set.training.items.size() ? set.training.items.id(item) : "unseen");
  return names;
}

const EvalCase* CaseOf(const EvalSet& set, const std::string& id) {
  for (const EvalCase& c : set.cases)
    if (set.training.shoppers[c.shopper] == id) return &c;
  return nullptr;
}

TEST(Split, LastBasket) {
  EventLog log = Log();
  ASSERT_EQ(log.shoppers.size(), 5u);
  EvalSet set = SplitForEvaluation(std::move(log.shoppers), SplitOptions{});
  EXPECT_EQ(set.shoppers, 5u);
  // Evaluated: a and the guest. b has no basket before its only one, e no
  // history at all; c bought nothing.
  ASSERT_EQ(set.cases.size(), 2u);
  EXPECT_EQ(set.skipped_no_truth, 1u);    // c
  EXPECT_EQ(set.skipped_no_history, 2u);  // b, e
  // Every shopper with a history trains: a, b (its view), c, the guest;
  // not e, whose only events are its truth.
  EXPECT_EQ(set.training.activities.size(), 4u);
  EXPECT_EQ(set.training.shoppers.size(), 4u);
  EXPECT_EQ(std::count(set.training.shoppers.begin(), set.training.shoppers.end(), "e"), 0);
  EXPECT_EQ(set.kinds[ShopperIndex(set, "guest-9")], IdKind::kAnonymous);
  EXPECT_EQ(set.kinds[ShopperIndex(set, "a")], IdKind::kCustomer);

  // The vocabulary holds history items only: not a's truth-only 13, its
  // view after the truth (15), b's or e's truth items (20, 40) nor the
  // guest's 30.
  for (const char* absent : {"13", "15", "20", "30", "40"})
    EXPECT_FALSE(set.training.items.Find(absent)) << absent;
  for (const char* present : {"10", "11", "12", "14", "21"})
    EXPECT_TRUE(set.training.items.Find(present)) << present;
  EXPECT_EQ(set.training.items.size(), 5u);

  const EvalCase* a = CaseOf(set, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(Names(set, a->truth), (std::vector<std::string>{"10", "14", "unseen"}));
  EXPECT_GE(a->truth[2], set.training.items.size());
  EXPECT_EQ(Names(set, a->bought), (std::vector<std::string>{"10", "11", "12"}));
  const Activity& history = set.training.activities[a->shopper];
  ASSERT_EQ(history.baskets.size(), 2u);
  EXPECT_EQ(history.baskets[1].time, Day(3));
  EXPECT_EQ(history.last_event, Day(4)) << "the view before the last order is history";

  const EvalCase* guest = CaseOf(set, "guest-9");
  ASSERT_NE(guest, nullptr);
  EXPECT_EQ(Names(set, guest->truth), (std::vector<std::string>{"unseen"}));
  EXPECT_NE(guest->truth[0], a->truth[2]) << "distinct unseen items get distinct numbers";
  EXPECT_EQ(set.training.activities[guest->shopper].baskets.size(), 1u) << "one basket per UTC day";

  EXPECT_EQ(set.truth_items, 4u);
  EXPECT_EQ(set.truth_repeat_items, 1u);  // a's 10
  EXPECT_EQ(set.truth_unseen_items, 2u);  // a's 13, the guest's 30
  // as_of: just after the latest history event (a's view on day 4).
  EXPECT_EQ(set.training.as_of, Day(4) + 1);
}

TEST(Split, Cutoff) {
  EventLog log = Log();
  SplitOptions options;
  options.protocol = Protocol::kCutoff;
  options.at = Day(3, 0);
  EvalSet set = SplitForEvaluation(std::move(log.shoppers), options);
  // Only a has both a basket before day 3 and one from day 3 on; its truth
  // is its first order from then (o2), not its last.
  ASSERT_EQ(set.cases.size(), 1u);
  const EvalCase& a = set.cases[0];
  EXPECT_EQ(set.training.shoppers[a.shopper], "a");
  EXPECT_EQ(Names(set, a.truth), (std::vector<std::string>{"10", "unseen"}));
  EXPECT_EQ(Names(set, a.bought), (std::vector<std::string>{"10", "11"}));
  // b, c and the guest have nothing from day 3 on; e nothing before.
  EXPECT_EQ(set.skipped_no_truth, 3u);
  EXPECT_EQ(set.skipped_no_history, 1u);
  // b's order on day 2 is history now, as is the guest's second basket.
  EXPECT_EQ(set.training.activities[ShopperIndex(set, "b")].baskets.size(), 1u);
  EXPECT_EQ(set.training.activities[ShopperIndex(set, "guest-9")].baskets.size(), 2u);
  EXPECT_TRUE(set.training.items.Find("30"));
  EXPECT_FALSE(set.training.items.Find("12"));
  EXPECT_EQ(set.training.as_of, Day(3, 0));
  EXPECT_EQ(set.truth_items, 2u);
  EXPECT_EQ(set.truth_repeat_items, 1u);
  EXPECT_EQ(set.truth_unseen_items, 1u);
}

TEST(Split, CutoffBeforeEverythingEvaluatesNobody) {
  EventLog log = Log();
  SplitOptions options;
  options.protocol = Protocol::kCutoff;
  options.at = Day(1, 0);
  EvalSet set = SplitForEvaluation(std::move(log.shoppers), options);
  EXPECT_TRUE(set.cases.empty());
  EXPECT_TRUE(set.training.activities.empty());
  EXPECT_EQ(set.skipped_no_history, 5u - 1u);  // all but c, who bought nothing
  EXPECT_EQ(set.skipped_no_truth, 1u);
}

TEST(Split, OrdersOnOneDayAreSeparateBaskets) {
  // Two orders on the same day: the later one is the truth, the earlier
  // one history.
  std::vector<Event> events = {Buy("x", "1", Day(1, 9), "p"), Buy("x", "2", Day(1, 11), "q"),
                               Buy("x", "3", Day(1, 11), "q")};
  EventLog log = GroupEvents(std::move(events));
  EvalSet set = SplitForEvaluation(std::move(log.shoppers), SplitOptions{});
  ASSERT_EQ(set.cases.size(), 1u);
  EXPECT_EQ(set.cases[0].truth.size(), 2u);
  EXPECT_EQ(Names(set, set.cases[0].bought), (std::vector<std::string>{"1"}));
}

TEST(Split, ProtocolNames) {
  EXPECT_EQ(ParseProtocol("last-basket"), Protocol::kLastBasket);
  EXPECT_EQ(ParseProtocol("cutoff"), Protocol::kCutoff);
  EXPECT_FALSE(ParseProtocol("Cutoff"));
  EXPECT_STREQ(ProtocolName(Protocol::kCutoff), "cutoff");
  EXPECT_STREQ(ProtocolName(Protocol::kLastBasket), "last-basket");
}

}  // namespace
}  // namespace confide
