#include "experiments/lift_data.h"

#include <gtest/gtest.h>

#include "cell/cell.h"
#include "core/scratch_dir.h"
#include "experiments/assignment.h"
#include "experiments/served_log.h"

namespace confide {
namespace {

const Micros kFrom = *ParseRfc3339("2026-11-01T00:00:00Z");
const Micros kTo = *ParseRfc3339("2026-12-01T00:00:00Z");
constexpr Micros kWindow = 7 * kMicrosPerDay;

Micros Day(int d) { return kFrom + d * kMicrosPerDay; }

Event Served(Micros at, std::string id, std::string experiment = "lift-1", std::string variant = "personalized",
             std::string surface = "recommendations") {
  ServedList list;
  list.id = "c1";
  list.at = at;
  list.recommendation_id = std::move(id);
  list.experiment = std::move(experiment);
  list.variant = std::move(variant);
  list.surface = std::move(surface);
  return ServedEvent(list);
}

Event Feedback(EventType type, Micros at, std::string list, std::string product) {
  Event e;
  e.event_id = "f" + std::to_string(at) + product;
  e.type = type;
  e.timestamp = at;
  e.recommendation_id = std::move(list);
  e.product_id = std::move(product);
  return e;
}

Event Purchase(Micros at, std::string product, int64_t quantity = 1) {
  Event e;
  e.event_id = "p" + std::to_string(at) + product;
  e.type = EventType::kPurchase;
  e.timestamp = at;
  e.product_id = std::move(product);
  e.quantity = quantity;
  e.unit_price = 2'500'000;  // 2.50
  e.currency = "EUR";
  return e;
}

TEST(LiftDataTest, PurchasesAfterTheFirstListCountAndTouchesWithinTheWindowTakeThem) {
  const std::vector<Event> history = {
      Purchase(Day(0), "p1"),  // before any list: not counted
      Served(Day(1), "r1"),
      Feedback(EventType::kImpression, Day(1), "r1", "p1"),
      Feedback(EventType::kImpression, Day(1), "r1", "p2"),
      Feedback(EventType::kClick, Day(2), "r1", "p2"),
      Feedback(EventType::kClick, Day(2), "other", "p4"),  // a list of no experiment here
      Served(Day(2), "x1", "another"),
      Feedback(EventType::kClick, Day(2), "x1", "p5"),  // another experiment's list
      Purchase(Day(3), "p1", 2),   // by impression
      Purchase(Day(3), "p2"),      // by click, the last touch
      Purchase(Day(4), "p3"),      // untouched
      Purchase(Day(4), "p4"),      // touched through an unknown list
      Purchase(Day(4), "p5"),      // touched through another experiment's list
      Purchase(Day(20), "p2"),     // past the window
  };
  auto outcome = OutcomeOf(history, "lift-1", kFrom, kTo, kWindow);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->variant, "personalized");
  EXPECT_EQ(outcome->impressions, 2);
  EXPECT_EQ(outcome->clicks, 1);
  EXPECT_EQ(outcome->units, 7);
  EXPECT_EQ(outcome->revenue, 7 * 250);
  EXPECT_EQ(outcome->attributed_by_impression, 1);
  EXPECT_EQ(outcome->attributed_by_click, 1);
  EXPECT_EQ(outcome->attributed_units, 3);
  EXPECT_EQ(outcome->attributed_revenue, 3 * 250);

  EXPECT_FALSE(OutcomeOf(history, "lift-2", kFrom, kTo, kWindow).has_value()) << "never served a list of it";
  EXPECT_FALSE(OutcomeOf(history, "lift-1", Day(5), kTo, kWindow).has_value()) << "no list in the period";
}

TEST(LiftDataTest, AtOneInstantTheShopperIsShownThenFollowsThenBuys) {
  // As a client reports them within one second, in any order.
  const std::vector<Event> history = {Purchase(Day(2), "p1"), Feedback(EventType::kClick, Day(2), "r1", "p1"),
                                      Feedback(EventType::kImpression, Day(2), "r1", "p1"), Served(Day(1), "r1")};
  auto outcome = OutcomeOf(history, "lift-1", kFrom, kTo, kWindow);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->attributed_by_click, 1);
  EXPECT_EQ(outcome->attributed_by_impression, 0);
}

TEST(LiftDataTest, TheVariantIsTheFirstListsOfThePeriod) {
  const std::vector<Event> history = {Served(Day(3), "r2", "lift-1", "no_grant"), Served(Day(1), "r1", "lift-1", "holdout")};
  EXPECT_EQ(OutcomeOf(history, "lift-1", kFrom, kTo, kWindow)->variant, "holdout");
}

// A suggestions list's variant follows the marketing grant: it makes no
// one part of the report, but a click on it counts for a shopper who is.
TEST(LiftDataTest, ASuggestionsListCountsOnlyItsFeedback) {
  const Event suggested = Served(Day(1), "s1", "lift-1", "personalized", "suggestions");
  const Event click = Feedback(EventType::kClick, Day(2), "s1", "p1");
  EXPECT_FALSE(OutcomeOf({suggested, click}, "lift-1", kFrom, kTo, kWindow));
  auto outcome = OutcomeOf({suggested, click, Served(Day(3), "r1", "lift-1", "holdout"), Purchase(Day(4), "p1")},
                           "lift-1", kFrom, kTo, kWindow);
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->variant, "holdout");
  EXPECT_EQ(outcome->clicks, 1);
  EXPECT_EQ(outcome->attributed_by_click, 1);
}

// Through the cell: a purchase at the till under the loyalty id the
// shopper linked counts; a shopper who refused model_improvement does not.
TEST(LiftDataTest, ReadsGrantedShoppersWithTheirLinkedIds) {
  ScratchDir scratch;
  RegionConfig rc{"eu", LegalBasis::kOptOut, "EUR", ""};
  auto cell = Cell::Open(rc, (scratch.path() / "data").string(), (scratch.path() / "keys").string());
  ASSERT_TRUE(cell.ok()) << cell.status().ToString();
  const Micros now = NowMicros();
  const Micros from = now - 10 * kMicrosPerDay;
  std::vector<Event> events;
  for (const char* customer : {"c1", "c2"}) {
    Event served = Served(now - 5 * kMicrosPerDay, std::string("r-") + customer);
    served.id(IdKind::kCustomer) = customer;
    served.event_id = std::string("served-") + customer;
    Event login;
    login.event_id = std::string("login-") + customer;
    login.type = EventType::kIdentify;
    login.timestamp = now - 6 * kMicrosPerDay;
    login.id(IdKind::kCustomer) = customer;
    login.id(IdKind::kLoyalty) = std::string("L-") + customer;
    Event till = Purchase(now - 4 * kMicrosPerDay, "p1");
    till.channel = Channel::kStore;
    till.id(IdKind::kLoyalty) = std::string("L-") + customer;
    events.insert(events.end(), {login, served, till});
  }
  ASSERT_TRUE((*cell)->Ingest(std::move(events)).ok());
  ConsentRecord refusal;
  refusal.timestamp = now;
  refusal.source = ConsentSource::kApi;
  refusal.purposes[static_cast<size_t>(Purpose::kModelImprovement)] = false;
  ASSERT_TRUE((*cell)->RecordConsent(IdKind::kCustomer, "c2", refusal).ok());

  auto outcomes = ReadOutcomes(**cell, "lift-1", from, now + kMicrosPerDay, kWindow);
  ASSERT_TRUE(outcomes.ok()) << outcomes.status().ToString();
  ASSERT_EQ(outcomes->size(), 1u);
  EXPECT_EQ((*outcomes)[0].units, 1) << "the till's purchase under the linked loyalty id";
  EXPECT_EQ((*outcomes)[0].revenue, 250);
}

// Only a shopper's first list of a day is kept: feedback on a later one
// counts when its id carries the region's tag for the experiment.
TEST(LiftDataTest, FeedbackOnAListNotKeptCountsByItsTag) {
  ScratchDir scratch;
  RegionConfig rc{"eu", LegalBasis::kOptOut, "EUR", ""};
  auto cell = Cell::Open(rc, (scratch.path() / "data").string(), (scratch.path() / "keys").string());
  ASSERT_TRUE(cell.ok()) << cell.status().ToString();
  const std::string later = NewListId(**cell, "lift-1"), elsewhere = NewListId(**cell, "lift-2");
  EXPECT_TRUE(IsListOf(**cell, later, "lift-1"));
  EXPECT_FALSE(IsListOf(**cell, elsewhere, "lift-1"));
  EXPECT_FALSE(IsListOf(**cell, NewRecommendationId(), "lift-1")) << "an id with no tag";
  EXPECT_FALSE(IsListOf(**cell, later.substr(0, 30) + (later[30] == '0' ? "11" : "00"), "lift-1")) << "a tag altered";
  EXPECT_FALSE(IsListOf(**cell, "not hex", "lift-1"));

  const std::vector<Event> history = {
      Served(Day(1), NewListId(**cell, "lift-1")),
      Feedback(EventType::kClick, Day(2), later, "p1"),
      Feedback(EventType::kClick, Day(2), elsewhere, "p2"),
      Purchase(Day(3), "p1"),
      Purchase(Day(3), "p2"),
  };
  const ListOfExperiment tagged = [&](std::string_view id) { return IsListOf(**cell, id, "lift-1"); };
  auto outcome = OutcomeOf(history, "lift-1", kFrom, kTo, kWindow, tagged);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->clicks, 1);
  EXPECT_EQ(outcome->attributed_by_click, 1);
  EXPECT_EQ(outcome->attributed_units, 1) << "p2 was touched through another experiment's list";
  EXPECT_EQ(OutcomeOf(history, "lift-1", kFrom, kTo, kWindow)->clicks, 0) << "without the tag's check";
}

}  // namespace
}  // namespace confide
