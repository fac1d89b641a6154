// Cell::ForEachGrantedHistory: every granted group once, with the history
// History would give, across the batches it reads in parallel.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

constexpr int kShoppers = 1300;  // more than two batches of groups (512 each) once refusals are out

Event MakeEvent(std::string event_id, EventType type, Micros at) {
  Event e;
  e.event_id = std::move(event_id);
  e.type = type;
  e.channel = Channel::kWeb;
  e.timestamp = at;
  e.product_id = "P" + std::to_string(at % 5);
  if (type == EventType::kPurchase) e.quantity = 1;
  return e;
}

std::vector<std::string> Ids(const std::vector<Event>& history) {
  std::vector<std::string> out;
  for (const Event& e : history) out.push_back(e.event_id);
  return out;
}

class GrantedReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegionConfig rc{"eu", LegalBasis::kOptOut, "EUR", ""};
    auto c = Cell::Open(rc, (scratch_.path() / "data").string(), (scratch_.path() / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
    const Micros start = *ParseRfc3339("2025-03-01T10:00:00Z");
    std::vector<Event> events;
    for (int i = 0; i < kShoppers; ++i) {
      const std::string c = "C" + std::to_string(i);
      Event view = MakeEvent(c + "-v", EventType::kView, start + i);
      Event buy = MakeEvent(c + "-b", EventType::kPurchase, start + 2 * i);
      view.id(IdKind::kCustomer) = buy.id(IdKind::kCustomer) = c;
      if (i % 100 == 0) {  // a group of two: browsing before a login
        view.id(IdKind::kCustomer).clear();
        view.id(IdKind::kAnonymous) = "A" + c;
        Event login = MakeEvent(c + "-i", EventType::kIdentify, start + 3 * i);
        login.id(IdKind::kCustomer) = c;
        login.id(IdKind::kAnonymous) = "A" + c;
        events.push_back(login);
      }
      events.push_back(view);
      events.push_back(buy);
    }
    ASSERT_TRUE(cell_->Ingest(std::move(events)).ok());
    for (int i = 0; i < kShoppers; i += 7) RefuseAnalytics(IdKind::kCustomer, "C" + std::to_string(i));
  }

  void RefuseAnalytics(IdKind kind, const std::string& id) {
    ConsentRecord refusal;
    refusal.timestamp = NowMicros();
    refusal.source = ConsentSource::kApi;
    refusal.purposes[static_cast<size_t>(Purpose::kAnalytics)] = false;
    ASSERT_TRUE(cell_->RecordConsent(kind, id, refusal).ok());
  }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
};

TEST_F(GrantedReadsTest, EveryGrantedGroupOnceWithItsHistory) {
  std::set<std::string> subjects;
  int calls = 0, linked = 0;
  Status s = cell_->ForEachGrantedHistory(Purpose::kAnalytics, [&](const Grant& grant, std::vector<Event>&& h) {
    ++calls;
    subjects.insert(grant.subject());
    linked += h.size() == 2 && h[0].id(IdKind::kAnonymous).size() > 0;
    auto alone = cell_->History(grant);
    EXPECT_TRUE(alone.ok());
    EXPECT_EQ(Ids(h), Ids(*alone));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  const int refused = (kShoppers + 6) / 7;
  EXPECT_EQ(calls, kShoppers - refused);
  EXPECT_EQ(subjects.size(), size_t(kShoppers - refused)) << "a group visited twice";
  EXPECT_EQ(linked, 11) << "groups of two read as one (13 of them; C0 and C700 refused)";
}

TEST_F(GrantedReadsTest, OnlyTheTypesAskedForAreHandedBack) {
  Cell::EventTypes purchases;
  purchases.set(static_cast<size_t>(EventType::kPurchase));
  int events = 0;
  Status s = cell_->ForEachGrantedHistory(
      Purpose::kAnalytics,
      [&](const Grant&, std::vector<Event>&& h) {
        for (const Event& e : h) EXPECT_EQ(e.type, EventType::kPurchase) << e.event_id;
        events += int(h.size());
        return Status::Ok();
      },
      false, purchases);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(events, kShoppers - (kShoppers + 6) / 7);
}

TEST_F(GrantedReadsTest, AnErrorOfTheCallbackStopsTheReadAndIsReturned) {
  int calls = 0;
  Status s = cell_->ForEachGrantedHistory(Purpose::kAnalytics, [&](const Grant&, std::vector<Event>&&) {
    return ++calls == 550 ? Status(Code::kResourceExhausted, "enough") : Status::Ok();
  });
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_EQ(calls, 550);
}

// A group erased while the read is under way, and its customer's shopper
// created again under the same key with a new event: once read ahead in the
// batch under way, once in a later batch through a reader made before the
// erasure. Each is handed over as it is when `fn` sees it: the new event
// alone, never the erased ones, and no error.
TEST_F(GrantedReadsTest, AGroupErasedMidReadIsSeenAsItIsThen) {
  std::vector<std::string> order;  // customers, in the order the read visits them
  ASSERT_TRUE(cell_->ForEachGrantedHistory(Purpose::kAnalytics, [&](const Grant&, std::vector<Event>&& h) {
    order.push_back(h.back().id(IdKind::kCustomer));
    return Status::Ok();
  }).ok());
  const std::vector<std::string> again = {order[5], order.back()};
  std::map<std::string, std::vector<std::string>> seen;
  int calls = 0;
  Status s = cell_->ForEachGrantedHistory(Purpose::kAnalytics, [&](const Grant&, std::vector<Event>&& h) {
    if (calls++ == 0) {
      for (const std::string& c : again) {
        EXPECT_TRUE(cell_->Erase(IdKind::kCustomer, c).ok());
        Event fresh = MakeEvent(c + "-new", EventType::kPurchase, NowMicros());
        fresh.id(IdKind::kCustomer) = c;
        EXPECT_TRUE(cell_->Ingest({fresh}).ok());
      }
    }
    if (!h.empty()) seen[h.back().id(IdKind::kCustomer)] = Ids(h);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (const std::string& c : again) EXPECT_EQ(seen[c], std::vector<std::string>{c + "-new"}) << c;
}

// An event stored for a group of the third batch while `fn` sees the first
// (every reader was made while the first batch was read, before the event)
// is in the history `fn` gets for that group.
TEST_F(GrantedReadsTest, EventsStoredMidReadAreSeenByLaterGroups) {
  std::vector<std::string> order;  // customers, in the order the read visits them
  ASSERT_TRUE(cell_->ForEachGrantedHistory(Purpose::kAnalytics, [&](const Grant&, std::vector<Event>&& h) {
    order.push_back(h.back().id(IdKind::kCustomer));
    return Status::Ok();
  }).ok());
  ASSERT_GT(order.size(), 1024u);
  const std::string target = order[1024];
  std::vector<std::string> seen;
  bool stored = false;
  Status s = cell_->ForEachGrantedHistory(Purpose::kAnalytics, [&](const Grant&, std::vector<Event>&& h) {
    if (!stored) {
      stored = true;
      Event fresh = MakeEvent(target + "-new", EventType::kPurchase, NowMicros());
      fresh.id(IdKind::kCustomer) = target;
      EXPECT_TRUE(cell_->Ingest({fresh}).ok());
    }
    if (h.back().id(IdKind::kCustomer) == target) seen = Ids(h);
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back(), target + "-new");
}

// Pairs of an anonymous shopper and a customer, each with a purchase of
// its own, linked by logins while the read is under way: `fn` sees each
// event once at most, and never one of a group whose decisions (the
// anonymous half's refusal, under opt_out) no longer allow it.
TEST_F(GrantedReadsTest, ALoginMidReadNeitherBypassesARefusalNorCountsTwice) {
  constexpr int kPairs = 200;
  const Micros start = *ParseRfc3339("2025-04-01T10:00:00Z");
  std::vector<Event> purchases, logins;
  for (int i = 0; i < kPairs; ++i) {
    const std::string n = std::to_string(i);
    Event anonymous = MakeEvent("pa-" + n, EventType::kPurchase, start + i);
    anonymous.id(IdKind::kAnonymous) = "PA" + n;
    Event customer = MakeEvent("pc-" + n, EventType::kPurchase, start + i);
    customer.id(IdKind::kCustomer) = "PC" + n;
    Event login = MakeEvent("pl-" + n, EventType::kIdentify, start + kPairs + i);
    login.id(IdKind::kAnonymous) = "PA" + n;
    login.id(IdKind::kCustomer) = "PC" + n;
    purchases.push_back(anonymous);
    purchases.push_back(customer);
    logins.push_back(login);
  }
  ASSERT_TRUE(cell_->Ingest(std::move(purchases)).ok());
  for (int i = 0; i < kPairs; i += 2) RefuseAnalytics(IdKind::kAnonymous, "PA" + std::to_string(i));
  std::map<std::string, int> seen;
  Status s = cell_->ForEachGrantedHistory(Purpose::kAnalytics, [&](const Grant&, std::vector<Event>&& h) {
    if (!logins.empty()) {
      EXPECT_TRUE(cell_->Ingest(std::exchange(logins, {})).ok());
    }
    for (const Event& e : h) ++seen[e.event_id];
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (int i = 0; i < kPairs; ++i) {
    const std::string id = "pa-" + std::to_string(i);
    if (i % 2 == 0) {
      EXPECT_EQ(seen[id], 0) << id << ": refused, then linked to a customer who never decided";
    } else {
      EXPECT_LE(seen[id], 1) << id << ": counted twice";
    }
  }
  EXPECT_GT(seen.size(), size_t(kShoppers)) << "the read went on";
}

}  // namespace
}  // namespace confide
