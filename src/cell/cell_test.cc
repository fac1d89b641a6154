#include "cell/cell.h"
#include "privacy/data_subject.h"
#include "privacy/retention.h"
#include "cell/region_models.h"

#include "core/bytes.h"
#include "core/scratch_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace confide {
namespace {

namespace fs = std::filesystem;

Event MakeEvent(std::string event_id, EventType type, Channel channel, std::string_view ts) {
  Event e;
  e.event_id = std::move(event_id);
  e.type = type;
  e.channel = channel;
  e.timestamp = *ParseRfc3339(ts);
  return e;
}

class CellTest : public ::testing::Test {
 protected:
  void SetUp() override { cell_ = OpenCell("eu"); }

  std::unique_ptr<Cell> OpenCell(const std::string& region, LegalBasis basis = LegalBasis::kOptIn) {
    RegionConfig rc{region, basis, "EUR", ""};
    rc.collect_without_grant = Collection::kAll;  // collection_test.cc tests the rule
    auto c = Cell::Open(rc, (root_ / "data").string(), (root_ / "keys").string());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  std::vector<IngestOutcome> Ingest(std::vector<Event> events) {
    auto r = cell_->Ingest(std::move(events));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<IngestOutcome>{};
  }


  ScratchDir scratch_;  // outlives cell_
  const fs::path& root_ = scratch_.path();
  std::unique_ptr<Cell> cell_;
};

// A shopper who browses anonymously on the web, scans a loyalty card in a
// store and then logs into the app is one shopper with one history.
TEST_F(CellTest, OmnichannelJourneyIsOneShopper) {
  Event view = MakeEvent("e1", EventType::kView, Channel::kWeb, "2025-03-01T10:00:00Z");
  view.id(IdKind::kAnonymous) = "anon-7";
  view.product_id = "P1";
  Event buy = MakeEvent("e2", EventType::kPurchase, Channel::kStore, "2025-03-02T10:00:00Z");
  buy.id(IdKind::kLoyalty) = "L-55";
  buy.product_id = "P1";
  buy.quantity = 2;
  buy.store_id = "S9";
  Event login = MakeEvent("e3", EventType::kIdentify, Channel::kApp, "2025-03-03T10:00:00Z");
  login.id(IdKind::kCustomer) = "C-1";
  login.id(IdKind::kAnonymous) = "anon-7";
  login.id(IdKind::kLoyalty) = "L-55";
  auto out = Ingest({view, buy, login});
  ASSERT_EQ(out.size(), 3u);
  for (const auto& o : out) EXPECT_EQ(o.kind, IngestOutcome::Kind::kStored);

  for (auto [kind, id] : {std::pair{IdKind::kCustomer, "C-1"}, std::pair{IdKind::kLoyalty, "L-55"},
                          std::pair{IdKind::kAnonymous, "anon-7"}}) {
    auto p = cell_->GetProfile(kind, id);
    ASSERT_TRUE(p.ok() && p->has_value()) << id;
    const Profile& profile = **p;
    EXPECT_EQ(profile.events, 3u) << id;
    EXPECT_EQ(profile.linked_ids.size(), 3u);
    EXPECT_EQ(profile.by_channel[static_cast<size_t>(Channel::kStore)], 1u);
    EXPECT_EQ(profile.by_type[static_cast<size_t>(EventType::kIdentify)], 1u);
    EXPECT_EQ(profile.home_store, "S9");
    EXPECT_EQ(profile.first_seen, view.timestamp);
    EXPECT_EQ(profile.last_seen, login.timestamp);
  }
  EXPECT_EQ(cell_->shoppers(), 1u) << "the anonymous and loyalty shoppers, merged into one";
  std::string json = ProfileToJson(**cell_->GetProfile(IdKind::kCustomer, "C-1"));
  EXPECT_NE(json.find(R"("customer_id":["C-1"])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("home_store":"S9")"), std::string::npos) << json;

  // The journey survives a restart.
  cell_.reset();
  cell_ = OpenCell("eu");
  auto p = cell_->GetProfile(IdKind::kAnonymous, "anon-7");
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ((*p)->events, 3u);
  EXPECT_FALSE(cell_->GetProfile(IdKind::kCustomer, "nobody")->has_value());
}

TEST_F(CellTest, EventsAfterTheLinkJoinTheSameHistory) {
  Event login = MakeEvent("e1", EventType::kIdentify, Channel::kApp, "2025-03-03T10:00:00Z");
  login.id(IdKind::kCustomer) = "C-2";
  login.id(IdKind::kAnonymous) = "anon-2";
  Event later = MakeEvent("e2", EventType::kSearch, Channel::kWeb, "2025-03-04T10:00:00Z");
  later.id(IdKind::kAnonymous) = "anon-2";
  later.query = "oat milk";
  Ingest({login});
  Ingest({later});
  EXPECT_EQ((*cell_->GetProfile(IdKind::kCustomer, "C-2"))->events, 2u);
}

TEST_F(CellTest, ResentEventIdsAreStoredOnce) {
  Event e = MakeEvent("dup-1", EventType::kSearch, Channel::kWeb, "2025-03-01T10:00:00Z");
  e.id(IdKind::kCustomer) = "C-3";
  e.query = "coffee";
  auto first = Ingest({e, e});
  EXPECT_EQ(first[0].kind, IngestOutcome::Kind::kStored);
  EXPECT_EQ(first[1].kind, IngestOutcome::Kind::kDuplicate) << "repeat within one batch";
  auto second = Ingest({e});
  EXPECT_EQ(second[0].kind, IngestOutcome::Kind::kDuplicate) << "repeat across batches";
  EXPECT_EQ((*cell_->GetProfile(IdKind::kCustomer, "C-3"))->events, 1u);
}

// A resend may carry another identifier of the same shopper (the app sends
// the customer id once the shopper logged in): still the same event.
TEST_F(CellTest, ResendUnderALinkedIdIsADuplicate) {
  Event view = MakeEvent("v-1", EventType::kView, Channel::kWeb, "2025-03-01T10:00:00Z");
  view.id(IdKind::kAnonymous) = "anon-9";
  view.product_id = "P1";
  Event app = MakeEvent("app-1", EventType::kSearch, Channel::kApp, "2025-03-01T09:00:00Z");
  app.id(IdKind::kCustomer) = "C-9";
  app.query = "tea";
  Event login = MakeEvent("login-1", EventType::kIdentify, Channel::kWeb, "2025-03-01T10:05:00Z");
  login.id(IdKind::kCustomer) = "C-9";
  login.id(IdKind::kAnonymous) = "anon-9";
  Ingest({view, app});
  Ingest({login});  // merges the anonymous shopper into the customer's group
  Event resent = view;
  resent.id(IdKind::kAnonymous).clear();
  resent.id(IdKind::kCustomer) = "C-9";
  resent.timestamp += kMicrosPerSecond;  // a client that re-stamps its retries
  EXPECT_EQ(Ingest({resent})[0].kind, IngestOutcome::Kind::kDuplicate) << "stored under the merged member";
  EXPECT_EQ((*cell_->GetProfile(IdKind::kCustomer, "C-9"))->events, 3u);
}

TEST_F(CellTest, ConcurrentBatchesWithSharedIdsStoreEachEventOnce) {
  constexpr int kThreads = 4, kEvents = 200;
  std::vector<std::thread> threads;
  std::atomic<int> stored{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<Event> batch;
      for (int i = 0; i < kEvents; ++i) {
        Event e = MakeEvent("ev-" + std::to_string(i), EventType::kSearch, Channel::kWeb, "2025-03-01T10:00:00Z");
        e.id(IdKind::kCustomer) = "C-" + std::to_string(i % 10);
        e.query = "q";
        batch.push_back(e);
      }
      auto r = cell_->Ingest(batch);
      ASSERT_TRUE(r.ok());
      for (const auto& o : *r) stored += o.kind == IngestOutcome::Kind::kStored;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(stored.load(), kEvents);
  uint64_t total = 0;
  for (int c = 0; c < 10; ++c) total += (*cell_->GetProfile(IdKind::kCustomer, "C-" + std::to_string(c)))->events;
  EXPECT_EQ(total, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(cell_->shoppers(), 10u);
}

// A loyalty card two customers share (a household) is a link the second
// customer cannot make: their event is stored under their customer id
// alone, with a warning naming the card; nothing of the first customer moves.
TEST_F(CellTest, ASharedCardStoresTheEventUnderItsCustomerAndRefusesOnlyTheLink) {
  Event a = MakeEvent("a", EventType::kIdentify, Channel::kStore, "2025-03-01T10:00:00Z");
  a.id(IdKind::kCustomer) = "C-A";
  a.id(IdKind::kLoyalty) = "L-X";
  a.store_id = "S1";
  Event b = MakeEvent("b", EventType::kStoreVisit, Channel::kStore, "2025-03-01T11:00:00Z");
  b.id(IdKind::kCustomer) = "C-B";
  b.id(IdKind::kLoyalty) = "L-X";
  b.store_id = "S1";
  auto out = Ingest({a, b});
  EXPECT_EQ(out[0].kind, IngestOutcome::Kind::kStored);
  ASSERT_EQ(out[1].kind, IngestOutcome::Kind::kStored);
  EXPECT_EQ(out[1].field, "loyalty_id");
  EXPECT_EQ(out[1].reason.rfind("stored under customer_id; not linked:", 0), 0u) << out[1].reason;
  auto b_profile = cell_->GetProfile(IdKind::kCustomer, "C-B");
  ASSERT_TRUE(b_profile.ok() && b_profile->has_value());
  EXPECT_EQ((*b_profile)->events, 1u);
  ASSERT_EQ((*b_profile)->linked_ids.size(), 1u) << "the card stays C-A's";
  EXPECT_EQ((*b_profile)->linked_ids[0].kind, IdKind::kCustomer);
  auto a_profile = cell_->GetProfile(IdKind::kLoyalty, "L-X");
  EXPECT_EQ((*a_profile)->events, 1u) << "the card's shopper is C-A, with C-A's event only";
  auto data = cell_->ReadShopper(IdKind::kCustomer, "C-B");
  ASSERT_TRUE(data.ok() && data->has_value());
  EXPECT_TRUE((*data)->events[0].id(IdKind::kLoyalty).empty()) << "the stored event no longer names the card";
}

// Item 4 of the foundation issue: no plaintext of a shopper's ids or events
// anywhere in the region's directory, neither in the WAL nor in SST files.
TEST_F(CellTest, RegionDirectoryHoldsNoPlaintext) {
  const std::string customer = "customer-4c9f1e7a";
  const std::string loyalty = "loyalty-88e1b2";
  const std::string marker = "unique-search-marker-5a1d";
  Event s = MakeEvent("evt-plain-1", EventType::kSearch, Channel::kWeb, "2025-03-01T10:00:00Z");
  s.id(IdKind::kCustomer) = customer;
  s.id(IdKind::kLoyalty) = loyalty;
  s.query = marker;
  Ingest({s});
  ConsentRecord consent;
  consent.timestamp = NowMicros();
  consent.purposes[static_cast<size_t>(Purpose::kMarketing)] = true;
  consent.user_agent = marker + "-agent";
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, customer, consent).ok());
  auto us = OpenCell("us");
  fs::path eu_dir = root_ / "data" / "eu";
  ASSERT_TRUE(DirectoryContains(eu_dir, "data_keys")) << "sanity: the search reads the database files";
  for (int phase = 0; phase < 2; ++phase) {
    for (const auto& needle : {customer, loyalty, marker, std::string("evt-plain-1")}) {
      EXPECT_FALSE(DirectoryContains(eu_dir, needle)) << needle << " in phase " << phase;
      EXPECT_FALSE(DirectoryContains(root_ / "data" / "us", needle)) << "another region holds " << needle;
    }
    ASSERT_TRUE(cell_->store().CompactAll().ok());  // phase 1: the same data in SST files
  }
  // The data is still readable through the cell.
  EXPECT_EQ((*cell_->GetProfile(IdKind::kCustomer, customer))->events, 1u);
  // Erasure in eu writes nothing to us either.
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, customer).ok());
  ASSERT_TRUE(us->store().CompactAll().ok());
  for (const auto& needle : {customer, loyalty, marker})
    EXPECT_FALSE(DirectoryContains(root_ / "data" / "us", needle)) << needle;
}

TEST_F(CellTest, CatalogRoundTrips) {
  Product p{"P1", "Oat milk", "dairy", "Oatly", 1'990'000, 900'000, true};
  ASSERT_TRUE(cell_->catalog().PutProducts({p}).ok());
  auto got = cell_->catalog().GetProduct("P1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->title, "Oat milk");
  EXPECT_EQ((*got)->cost, 900'000);
  ASSERT_TRUE(cell_->catalog().PutInventory({{"S1", "P1", 4}, {"online", "P1", 0}}).ok());
  EXPECT_EQ(**cell_->catalog().GetInventory("S1", "P1"), 4);
  EXPECT_EQ(**cell_->catalog().GetInventory("online", "P1"), 0);
  EXPECT_FALSE(cell_->catalog().GetInventory("S2", "P1")->has_value());
  ASSERT_TRUE(cell_->catalog().PutProducts({{"P0", "Bread", "bakery", "B", 990'000, std::nullopt, false}}).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(cell_->catalog().ForEachProduct([&](const Product& p) {
    ids.push_back(p.id + (p.active ? "+" : "-"));
    return true;
  }).ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"P0-", "P1+"}));
  ASSERT_TRUE(cell_->catalog().PutStores({{"S1", "Paris", 48.85, 2.35}}).ok());
  int stores = 0;
  ASSERT_TRUE(cell_->catalog().ForEachStore([&](const StoreLocation& s) { return ++stores, s.name == "Paris"; }).ok());
  EXPECT_EQ(stores, 1);
}

// A browsing, a purchase and a store visit for customer `id`.
std::vector<Event> Journey(const std::string& id) {
  Event view = MakeEvent(id + "-v", EventType::kView, Channel::kWeb, "2025-03-01T10:00:00Z");
  view.product_id = "P1";
  Event buy = MakeEvent(id + "-b", EventType::kPurchase, Channel::kStore, "2025-03-02T10:00:00Z");
  buy.product_id = "P1";
  buy.quantity = 1;
  buy.store_id = "S1";
  Event visit = MakeEvent(id + "-s", EventType::kStoreVisit, Channel::kStore, "2025-03-02T09:55:00Z");
  visit.store_id = "S1";
  std::vector<Event> events = {view, buy, visit};
  for (auto& e : events) e.id(IdKind::kCustomer) = id;
  return events;
}

ConsentRecord Decision(Purpose p, bool granted, Micros at = NowMicros()) {
  ConsentRecord r;
  r.timestamp = at;
  r.purposes[static_cast<size_t>(p)] = granted;
  r.policy_version = "v1";
  return r;
}

size_t Readable(Cell& cell, const std::string& id, Purpose p = Purpose::kPersonalization, bool gpc = false) {
  Grant g = cell.GrantFor(IdKind::kCustomer, id, p, gpc);
  auto h = cell.History(g);
  EXPECT_TRUE(h.ok());
  EXPECT_EQ(g.any(), h.ok() && !h->empty()) << "a grant reads data exactly when it allows something";
  return h.ok() ? h->size() : 0;
}

// Opt-in: nothing until granted, everything after, nothing again on the very
// next read after withdrawal.
TEST_F(CellTest, OptInPersonalizationFollowsTheLedger) {
  Ingest(Journey("C-10"));
  EXPECT_EQ(Readable(*cell_, "C-10"), 0u);
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-10", Decision(Purpose::kPersonalization, true)).ok());
  EXPECT_EQ(Readable(*cell_, "C-10"), 3u);
  EXPECT_EQ(Readable(*cell_, "C-10", Purpose::kMarketing), 0u) << "one purpose granted, not the others";
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-10", Decision(Purpose::kPersonalization, false)).ok());
  EXPECT_EQ(Readable(*cell_, "C-10"), 0u);
  auto view = cell_->GetConsent(IdKind::kCustomer, "C-10");
  ASSERT_TRUE(view.ok() && view->has_value());
  EXPECT_EQ((*view)->history.size(), 2u) << "the ledger keeps every decision";
}

TEST_F(CellTest, OptOutPersonalizationUntilRefused) {
  cell_.reset();
  cell_ = OpenCell("us", LegalBasis::kOptOut);
  Ingest(Journey("C-11"));
  EXPECT_EQ(Readable(*cell_, "C-11"), 3u);
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-11", Decision(Purpose::kPersonalization, false)).ok());
  EXPECT_EQ(Readable(*cell_, "C-11"), 0u);
  EXPECT_EQ(Readable(*cell_, "C-11", Purpose::kAnalytics), 3u);
}

// Serving caches key on HistoryVersion: it must move with every change of
// what History returns, and stay put otherwise.
TEST_F(CellTest, HistoryVersionMovesWhenTheHistoryChanges) {
  cell_.reset();
  cell_ = OpenCell("us", LegalBasis::kOptOut);
  Ingest(Journey("C-40"));
  auto version = [&] { return cell_->HistoryVersion(cell_->GrantFor(IdKind::kCustomer, "C-40", Purpose::kPersonalization)); };
  uint64_t v0 = version();
  EXPECT_EQ(version(), v0) << "reads change nothing";
  ASSERT_EQ(Readable(*cell_, "C-40"), 3u);
  EXPECT_EQ(version(), v0);
  Event more = MakeEvent("C-40-v2", EventType::kView, Channel::kApp, "2025-03-03T10:00:00Z");
  more.product_id = "P2";
  more.id(IdKind::kCustomer) = "C-40";
  Ingest({more});
  uint64_t v1 = version();
  EXPECT_NE(v1, v0) << "an event stored";
  Event link = MakeEvent("C-40-id", EventType::kIdentify, Channel::kWeb, "2025-03-04T10:00:00Z");
  link.id(IdKind::kCustomer) = "C-40";
  link.id(IdKind::kAnonymous) = "anon-40";
  Ingest({link});
  uint64_t v2 = version();
  EXPECT_NE(v2, v1) << "a merge into the group";
  Retention limits;
  limits.browsing_days = 30;  // the views are older
  ASSERT_TRUE(ApplyRetention(*cell_, limits, NowMicros()).ok());
  uint64_t v3 = version();
  EXPECT_NE(v3, v2) << "retention";
  ASSERT_TRUE(cell_->Erase(IdKind::kAnonymous, "someone-else").ok());
  EXPECT_EQ(version(), v3) << "an erasure that found nobody changes nothing";
}

TEST_F(CellTest, CategoryOptOutsAndExpiryShapeTheRead) {
  Ingest(Journey("C-12"));
  ConsentRecord r = Decision(Purpose::kPersonalization, true);
  r.category_opt_outs = CategorySet().With(DataCategory::kLocation);
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-12", r).ok());
  Grant g = cell_->GrantFor(IdKind::kCustomer, "C-12", Purpose::kPersonalization);
  auto h = cell_->History(g);
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u) << "the store visit is location data";
  EXPECT_EQ((*h)[0].type, EventType::kView) << "oldest first";
  EXPECT_EQ((*h)[1].type, EventType::kPurchase);

  ConsentRecord lapsed = Decision(Purpose::kPersonalization, true);
  lapsed.expires = NowMicros() - 1;
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-12", lapsed).ok());
  EXPECT_EQ(Readable(*cell_, "C-12"), 0u) << "an expired grant counts for nothing under opt_in";
}

TEST_F(CellTest, GrantsAreBoundToTheirShopper) {
  Ingest(Journey("C-13"));
  Ingest(Journey("C-14"));
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-13", Decision(Purpose::kPersonalization, true)).ok());
  auto h = cell_->History(cell_->GrantFor(IdKind::kCustomer, "C-13", Purpose::kPersonalization));
  ASSERT_TRUE(h.ok());
  for (const auto& e : *h) EXPECT_EQ(e.id(IdKind::kCustomer), "C-13");
  EXPECT_EQ(Readable(*cell_, "C-14"), 0u);
  EXPECT_FALSE(cell_->GrantFor(IdKind::kCustomer, "nobody", Purpose::kPersonalization).any());
}

TEST_F(CellTest, GpcIsRecordedOnceAndTouchesOnlyMarketing) {
  cell_.reset();
  cell_ = OpenCell("us", LegalBasis::kOptOut);
  Ingest(Journey("C-15"));
  EXPECT_EQ(Readable(*cell_, "C-15", Purpose::kMarketing), 3u);
  EXPECT_EQ(Readable(*cell_, "C-15", Purpose::kMarketing, /*gpc=*/true), 0u) << "the signalling request itself";
  EXPECT_TRUE(*cell_->RecordGpc(IdKind::kCustomer, "C-15", "Mozilla/5.0"));
  EXPECT_FALSE(*cell_->RecordGpc(IdKind::kCustomer, "C-15", "Mozilla/5.0")) << "once, not on every request";
  EXPECT_FALSE(*cell_->RecordGpc(IdKind::kCustomer, "unknown", "x")) << "only identified shoppers";
  EXPECT_EQ(Readable(*cell_, "C-15", Purpose::kMarketing), 0u);
  EXPECT_EQ(Readable(*cell_, "C-15"), 3u) << "GPC is not about personalization";
  auto view = *cell_->GetConsent(IdKind::kCustomer, "C-15");
  ASSERT_EQ(view->history.size(), 1u);
  EXPECT_EQ(view->history[0].source, ConsentSource::kGpc);
  EXPECT_EQ(view->history[0].user_agent, "Mozilla/5.0");
}

TEST_F(CellTest, LedgerSurvivesRestartSealed) {
  Ingest(Journey("C-16"));
  ConsentRecord r = Decision(Purpose::kPersonalization, true);
  r.user_agent = "kiosk-agent-7f3e9a";
  r.source = ConsentSource::kStoreKiosk;
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-16", r).ok());
  cell_.reset();
  EXPECT_FALSE(DirectoryContains(root_ / "data" / "eu", "kiosk-agent-7f3e9a")) << "ledger records are sealed";
  cell_ = OpenCell("eu");
  EXPECT_EQ(Readable(*cell_, "C-16"), 3u);
  auto view = *cell_->GetConsent(IdKind::kCustomer, "C-16");
  ASSERT_EQ(view->history.size(), 1u);
  EXPECT_EQ(view->history[0].user_agent, "kiosk-agent-7f3e9a");
  EXPECT_EQ(view->history[0].source, ConsentSource::kStoreKiosk);
}

// Consent given under one identifier holds for the linked ones.
TEST_F(CellTest, ConsentAcrossALinkIsTheCustomersOwn) {
  Event anon = MakeEvent("a-1", EventType::kView, Channel::kWeb, "2025-03-01T10:00:00Z");
  anon.id(IdKind::kAnonymous) = "anon-17";
  anon.product_id = "P1";
  Ingest({anon});
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kAnonymous, "anon-17", Decision(Purpose::kPersonalization, true)).ok());
  Ingest(Journey("C-17"));
  EXPECT_EQ(Readable(*cell_, "C-17"), 0u) << "not linked yet";
  Event login = MakeEvent("l-17", EventType::kIdentify, Channel::kWeb, "2025-03-03T10:00:00Z");
  login.id(IdKind::kCustomer) = "C-17";
  login.id(IdKind::kAnonymous) = "anon-17";
  Ingest({login});
  EXPECT_EQ(Readable(*cell_, "C-17"), 0u) << "a grant made on a (possibly shared) browser does not travel";
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-17", Decision(Purpose::kPersonalization, true)).ok());
  EXPECT_EQ(Readable(*cell_, "C-17"), 4u) << "the customer's own grant reaches the whole group";
}

// Data-subject rights: export holds everything about the shopper and
// nothing about anyone else; erasure shreds the keys, then the rows.
TEST_F(CellTest, ExportHoldsEverythingOfTheShopperOnly) {
  std::vector<Event> mine = Journey("C-20");
  mine[0].query = "";
  Event search = MakeEvent("C-20-q", EventType::kSearch, Channel::kApp, "2025-03-05T10:00:00Z");
  search.id(IdKind::kLoyalty) = "L-20";
  search.query = "marker-of-c20";
  Event link = MakeEvent("C-20-l", EventType::kIdentify, Channel::kStore, "2025-03-06T10:00:00Z");
  link.id(IdKind::kCustomer) = "C-20";
  link.id(IdKind::kLoyalty) = "L-20";
  link.store_id = "S1";
  mine.push_back(search);
  mine.push_back(link);
  Ingest(mine);
  std::vector<Event> theirs = Journey("C-21");
  theirs[0].product_id = "product-of-c21";
  Ingest(theirs);
  ConsentRecord r = Decision(Purpose::kMarketing, true);
  r.user_agent = "agent-of-c20";
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-20", r).ok());

  auto doc = ExportShopper(*cell_, IdKind::kCustomer, "C-20", ExportInputs(), NowMicros());
  ASSERT_TRUE(doc.ok() && doc->has_value());
  const std::string& json = **doc;
  for (const auto& e : mine) EXPECT_NE(json.find("\"event_id\":\"" + e.event_id + "\""), std::string::npos) << e.event_id;
  EXPECT_NE(json.find("marker-of-c20"), std::string::npos);
  EXPECT_NE(json.find("agent-of-c20"), std::string::npos) << "consent evidence";
  EXPECT_NE(json.find(R"("loyalty_id":["L-20"])"), std::string::npos) << "linked ids";
  EXPECT_EQ(json.find("C-21"), std::string::npos) << "nothing of anyone else";
  EXPECT_EQ(json.find("product-of-c21"), std::string::npos);
  EXPECT_FALSE(ExportShopper(*cell_, IdKind::kCustomer, "nobody", ExportInputs(), NowMicros())->has_value());
}

TEST_F(CellTest, ErasureShredsKeysThenRows) {
  Event anon = MakeEvent("C-30-a", EventType::kSearch, Channel::kWeb, "2025-03-01T09:00:00Z");
  anon.id(IdKind::kAnonymous) = "anon-erase-30";
  anon.query = "erase-marker-30";
  Event link = MakeEvent("C-30-l", EventType::kIdentify, Channel::kWeb, "2025-03-01T09:10:00Z");
  link.id(IdKind::kCustomer) = "customer-erase-30";
  link.id(IdKind::kAnonymous) = "anon-erase-30";
  std::vector<Event> journey = Journey("customer-erase-30");
  journey.push_back(anon);
  journey.push_back(link);
  Ingest(journey);
  Ingest(Journey("C-31"));
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "customer-erase-30", Decision(Purpose::kPersonalization, true)).ok());
  size_t data_keys_before = 0;
  ASSERT_TRUE(cell_->store().ScanPrefix(Family::kDataKeys, "", [&](std::string_view, std::string_view) {
    return ++data_keys_before, true;
  }).ok());

  auto receipt = cell_->Erase(IdKind::kAnonymous, "anon-erase-30");
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  EXPECT_TRUE(receipt->found);
  EXPECT_EQ(receipt->events, 5u);
  EXPECT_EQ(receipt->consent_records, 1u);
  EXPECT_EQ(receipt->identifiers, 2u);
  EXPECT_EQ(receipt->shoppers, 2u) << "the customer's and the anonymous shopper's keys, merged into one group";
  size_t data_keys_after = 0;
  ASSERT_TRUE(cell_->store().ScanPrefix(Family::kDataKeys, "", [&](std::string_view, std::string_view) {
    return ++data_keys_after, true;
  }).ok());
  EXPECT_EQ(data_keys_after, data_keys_before - 2) << "the group's data keys are destroyed";

  EXPECT_FALSE(ExportShopper(*cell_, IdKind::kCustomer, "customer-erase-30", ExportInputs(), NowMicros())->has_value());
  EXPECT_FALSE(cell_->GetProfile(IdKind::kAnonymous, "anon-erase-30")->has_value());
  EXPECT_FALSE(cell_->GrantFor(IdKind::kCustomer, "customer-erase-30", Purpose::kPersonalization).any());
  EXPECT_FALSE(cell_->Erase(IdKind::kCustomer, "customer-erase-30")->found) << "idempotent";
  EXPECT_EQ(Readable(*cell_, "C-31", Purpose::kPersonalization), 0u) << "opt_in, no consent";
  EXPECT_EQ((*cell_->GetProfile(IdKind::kCustomer, "C-31"))->events, 3u) << "others untouched";

  // Nothing of the shopper in any file of the region, before and after a
  // forced compaction; and after a restart the shopper is still gone.
  for (int phase = 0; phase < 2; ++phase) {
    for (const char* needle : {"customer-erase-30", "anon-erase-30", "erase-marker-30"})
      EXPECT_FALSE(DirectoryContains(root_ / "data" / "eu", needle)) << needle << " phase " << phase;
    ASSERT_TRUE(cell_->store().CompactAll().ok());
  }
  cell_.reset();
  cell_ = OpenCell("eu");
  EXPECT_FALSE(ExportShopper(*cell_, IdKind::kAnonymous, "anon-erase-30", ExportInputs(), NowMicros())->has_value());
  EXPECT_EQ(cell_->shoppers(), 1u);

  // Its events sent again are refused: they are from before the erasure.
  auto resent = cell_->Ingest({Journey("customer-erase-30")[0]});
  ASSERT_TRUE(resent.ok());
  EXPECT_EQ((*resent)[0].kind, IngestOutcome::Kind::kRejected);
  EXPECT_EQ((*resent)[0].reason.rfind("erased:", 0), 0u) << (*resent)[0].reason;
  EXPECT_FALSE(cell_->GetProfile(IdKind::kCustomer, "customer-erase-30")->has_value());
  // Coming back later makes a new shopper with a new key and no past.
  Event later = Journey("customer-erase-30")[0];
  later.timestamp = NowMicros();
  Ingest({later});
  EXPECT_EQ((*cell_->GetProfile(IdKind::kCustomer, "customer-erase-30"))->events, 1u);
}

TEST_F(CellTest, RetentionDeletesWhatOutlivedItsCategory) {
  Ingest(Journey("C-40"));  // a view (browsing), a purchase, a store visit (location), early March 2025
  Retention limits;
  limits.browsing_days = 30;
  limits.location_days = 60;
  limits.purchases_days = 0;  // kept for ever
  Micros march2 = *ParseRfc3339("2025-03-02T10:00:00Z");
  auto early = ApplyRetention(*cell_, limits, march2 + 20 * kMicrosPerDay);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->scanned, 3u);
  EXPECT_EQ(early->deleted, 0u);
  auto later = ApplyRetention(*cell_, limits, march2 + 45 * kMicrosPerDay);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->deleted, 1u) << "the view is past 30 days";
  auto much_later = ApplyRetention(*cell_, limits, march2 + 5000 * kMicrosPerDay);
  ASSERT_TRUE(much_later.ok());
  EXPECT_EQ(much_later->deleted, 1u) << "the store visit; purchases stay";
  auto profile = *cell_->GetProfile(IdKind::kCustomer, "C-40");
  EXPECT_EQ(profile->events, 1u);
  EXPECT_EQ(profile->by_type[static_cast<size_t>(EventType::kPurchase)], 1u);
}

TEST_F(CellTest, KeyRotationRewrapsEveryDataKeyAndDropsTheOldKek) {
  Ingest(Journey("C-50"));
  Ingest(Journey("C-51"));
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-50", Decision(Purpose::kPersonalization, true)).ok());
  auto r = cell_->RotateKeys();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->old_version, 1u);
  EXPECT_EQ(r->new_version, 2u);
  EXPECT_EQ(r->rewrapped, 2u);
  std::ifstream key_file(root_ / "keys" / "eu.key");
  std::string text((std::istreambuf_iterator<char>(key_file)), {});
  EXPECT_NE(text.find("\nkek 2 "), std::string::npos) << "only the new KEK is kept";
  EXPECT_EQ(text.find("\nkek 1 "), std::string::npos);
  ASSERT_TRUE(cell_->store().ScanPrefix(Family::kDataKeys, "", [&](std::string_view, std::string_view v) {
    EXPECT_EQ(GetFixed32BE(v), 2u) << "every data key is wrapped under the new KEK";
    return true;
  }).ok());
  EXPECT_EQ(Readable(*cell_, "C-50"), 3u) << "serving goes on";
  std::vector<Event> later = Journey("C-52");
  EXPECT_EQ(Ingest(later)[0].kind, IngestOutcome::Kind::kStored) << "new shoppers get keys wrapped under the new KEK";
  cell_.reset();
  cell_ = OpenCell("eu");
  EXPECT_EQ(Readable(*cell_, "C-50"), 3u) << "and after a restart";
  EXPECT_EQ((*cell_->GetProfile(IdKind::kCustomer, "C-51"))->events, 3u);
  EXPECT_EQ(cell_->RotateKeys()->new_version, 3u);
}

// [recommend] reaches the ALS options training uses.
TEST(RegionModelsConfig, AlsPenaltySettingsReachTheTrainingOptions) {
  RecommendConfig config;
  config.regularization_scale = "constant";
  AlsOptions als = TrainOptionsFrom(config).als;
  EXPECT_FALSE(als.regularization_per_entry);
  EXPECT_FALSE(als.regularization_relative_to_mean);
  config.regularization = 15.6;
  config.alpha = 0.5;
  config.regularization_scale = "per_entry";
  als = TrainOptionsFrom(config).als;
  EXPECT_FLOAT_EQ(als.regularization, 15.6f);
  EXPECT_FLOAT_EQ(als.alpha, 0.5f);
  EXPECT_TRUE(als.regularization_per_entry);
  EXPECT_FALSE(als.regularization_relative_to_mean);
  config.regularization_scale = "relative";
  als = TrainOptionsFrom(config).als;
  EXPECT_TRUE(als.regularization_per_entry);
  EXPECT_TRUE(als.regularization_relative_to_mean);
}

}  // namespace
}  // namespace confide
