// Several nodes serving one region (cell/shared_region.h): cells of the
// same region on one schema of the test run's PostgreSQL formation, each
// with its own data directory and its own copy of the region's keys, as
// nodes on different machines would have.
#include "cell/shared_region.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cell/region_models.h"
#include "cell/test_shared_region.h"
#include "core/bytes.h"

namespace confide {
namespace {

using namespace std::chrono_literals;

Event Purchase(std::string event_id, std::string customer, std::string product = "P1") {
  Event e;
  e.event_id = std::move(event_id);
  e.type = EventType::kPurchase;
  e.channel = Channel::kWeb;
  e.timestamp = *ParseRfc3339("2026-03-01T10:00:00Z");
  e.product_id = std::move(product);
  e.id(IdKind::kCustomer) = std::move(customer);
  return e;
}

Product Tea(std::string id, std::string title) {
  Product p;
  p.id = std::move(id);
  p.title = std::move(title);
  p.category = "tea";
  p.price = 2'000'000;
  return p;
}

ConsentRecord Refusal(Purpose purpose) {
  ConsentRecord r;
  r.timestamp = NowMicros();
  r.purposes[static_cast<size_t>(purpose)] = false;
  return r;
}

class SharedRegionTest : public SharedRegionNodes {
 protected:
  // Ingests `events` through `cell`, again while it answers kUnavailable
  // (another node moved the region: the client's retry).
  static Result<std::vector<IngestOutcome>> IngestRetrying(Cell& cell, const std::vector<Event>& events) {
    for (int attempt = 0;; ++attempt) {
      auto r = cell.Ingest(events);
      if (r.ok() || r.status().code() != Code::kUnavailable || attempt == 50) return r;
    }
  }
  static uint64_t EventsOf(Cell& cell, const std::string& customer) {
    auto p = cell.GetProfile(IdKind::kCustomer, customer);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() && p->has_value() ? (*p)->events : 0;
  }
};

TEST_F(SharedRegionTest, AWithdrawalThroughOneNodeHoldsOnTheOthersNextRequest) {
  ASSERT_TRUE(a_->Ingest({Purchase("w1", "C-W")}).ok());
  const Grant before = b_->GrantFor(IdKind::kCustomer, "C-W", Purpose::kPersonalization);
  ASSERT_TRUE(before.any()) << "node b reads the shopper node a created";
  ASSERT_EQ(b_->History(before)->size(), 1u);

  ASSERT_TRUE(a_->RecordConsent(IdKind::kCustomer, "C-W", Refusal(Purpose::kPersonalization)).ok());
  EXPECT_FALSE(b_->GrantFor(IdKind::kCustomer, "C-W", Purpose::kPersonalization).any());
  auto consent = b_->GetConsent(IdKind::kCustomer, "C-W");
  ASSERT_TRUE(consent.ok() && consent->has_value());
  EXPECT_EQ((*consent)->history.size(), 1u);
  // The grant node b decided before the withdrawal reads nothing now.
  auto stale = b_->History(before);
  ASSERT_TRUE(stale.ok());
  EXPECT_TRUE(stale->empty());
}

TEST_F(SharedRegionTest, AnErasureThroughOneNodeHoldsOnTheOthersNextRequest) {
  ASSERT_TRUE(a_->Ingest({Purchase("x1", "C-X"), Purchase("x2", "C-X")}).ok());
  ASSERT_EQ(EventsOf(*b_, "C-X"), 2u) << "node b holds the shopper and its key in memory";

  ASSERT_TRUE(a_->Erase(IdKind::kCustomer, "C-X").ok());
  EXPECT_EQ(EventsOf(*b_, "C-X"), 0u);
  // A resend through node b is refused as through node a: nothing comes back.
  auto resent = b_->Ingest({Purchase("x1", "C-X")});
  ASSERT_TRUE(resent.ok()) << resent.status().ToString();
  EXPECT_EQ((*resent)[0].kind, IngestOutcome::Kind::kRejected);
  EXPECT_EQ((*resent)[0].reason.rfind("erased:", 0), 0u) << (*resent)[0].reason;
  auto c = Open("c");
  EXPECT_EQ(EventsOf(*c, "C-X"), 0u);
}

// The fence itself: a node whose mirror is stale when it writes (another
// node erased meanwhile) writes nothing and answers kUnavailable.
TEST_F(SharedRegionTest, AWriteFromAStaleMirrorIsRefusedWhole) {
  PostgresqlOptions options = schema_.options();
  options.shared = true;
  auto inner_a = OpenPostgresqlStore(options), inner_b = OpenPostgresqlStore(options);
  ASSERT_TRUE(inner_a.ok() && inner_b.ok());
  SharedRegionStore node_a(std::move(*inner_a)), node_b(std::move(*inner_b));
  auto at = node_a.StoredVersion();
  ASSERT_TRUE(at.ok());
  node_a.LoadedAt(*at);
  node_b.LoadedAt(*at);
  WriteBatch erasure;
  erasure.Delete(Family::kDataKeys, "shopper-key");
  ASSERT_TRUE(node_a.Write(erasure, Durability::kSync).ok());
  EXPECT_EQ(node_a.loaded(), *at + 1) << "node a's own write keeps it current";

  WriteBatch events;
  events.Put(Family::kEvents, "shopper-key/event", "sealed under the destroyed key");
  Status refused = node_b.Write(events, Durability::kSync);
  EXPECT_EQ(refused.code(), Code::kUnavailable) << refused.ToString();
  EXPECT_EQ(*node_b.Get(Family::kEvents, "shopper-key/event"), std::nullopt);
  WriteBatch audit;  // rows no node mirrors are not fenced
  audit.Put(Family::kAudit, "x", "y");
  EXPECT_TRUE(node_b.Write(audit, Durability::kSync).ok());
  node_b.LoadedAt(*node_b.StoredVersion());
  EXPECT_TRUE(node_b.Write(events, Durability::kSync).ok()) << "once it has read the region again";
}

// New shoppers and decisions another node made are read row by row; a
// link of two known shoppers or an erasure has a node read them all again.
TEST_F(SharedRegionTest, ANodeReadsWhatAnotherAddedRowByRowAndTheRegionWholeAfterALinkOrAnErasure) {
  auto figure = [](Cell& cell, std::string_view name) {
    for (const auto& f : cell.store().Figures())
      if (f.name == name) return f.value;
    return -1.0;
  };
  auto followed = [&](Cell& cell) {
    return std::pair{figure(cell, "shared_catch_ups_total"), figure(cell, "shared_reloads_total")};
  };
  std::vector<Event> events;
  for (int i = 0; i < 20; ++i) events.push_back(Purchase("n" + std::to_string(i), "C-N" + std::to_string(i)));
  Event browser = Purchase("n-anon", "");
  browser.id(IdKind::kCustomer).clear();
  browser.id(IdKind::kAnonymous) = "anon-z";
  events.push_back(browser);
  ASSERT_TRUE(a_->Ingest(events).ok());
  ASSERT_TRUE(a_->RecordConsent(IdKind::kCustomer, "C-N3", Refusal(Purpose::kMarketing)).ok());
  EXPECT_FALSE(b_->GrantFor(IdKind::kCustomer, "C-N3", Purpose::kMarketing).any());
  EXPECT_TRUE(b_->GrantFor(IdKind::kCustomer, "C-N4", Purpose::kMarketing).any());
  EXPECT_EQ(EventsOf(*b_, "C-N7"), 1u);
  EXPECT_EQ(followed(*b_), std::pair(1.0, 0.0)) << "two moves of node a, read row by row at once";

  Event link = Purchase("n-link", "C-N1");
  link.id(IdKind::kAnonymous) = "anon-z";
  ASSERT_TRUE(a_->Ingest({link}).ok());
  auto linked = b_->GetProfile(IdKind::kAnonymous, "anon-z");
  ASSERT_TRUE(linked.ok() && linked->has_value());
  EXPECT_EQ((*linked)->events, 3u) << "the browser's event, and the customer's two";
  EXPECT_EQ(followed(*b_), std::pair(1.0, 1.0));
  ASSERT_TRUE(a_->Erase(IdKind::kCustomer, "C-N2").ok());
  EXPECT_EQ(EventsOf(*b_, "C-N2"), 0u);
  EXPECT_EQ(followed(*b_), std::pair(1.0, 2.0));
  EXPECT_EQ(EventsOf(*b_, "C-N5"), 1u);
}

TEST_F(SharedRegionTest, TwoNodesLinkingIdsOfOneShopperAtOnceMakeOneGroup) {
  constexpr int kEach = 15;
  auto link = [](Cell& cell, IdKind kind, const std::string& prefix) {
    for (int i = 0; i < kEach; ++i) {
      Event e = Purchase(prefix + std::to_string(i), "C-L");
      e.id(kind) = prefix + "-id-" + std::to_string(i);
      auto r = IngestRetrying(cell, {e});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ((*r)[0].kind, IngestOutcome::Kind::kStored) << (*r)[0].reason;
    }
  };
  std::thread through_a([&] { link(*a_, IdKind::kAnonymous, "anon"); });
  std::thread through_b([&] { link(*b_, IdKind::kLoyalty, "card"); });
  through_a.join();
  through_b.join();
  auto c = Open("c");
  for (Cell* node : {a_.get(), b_.get(), c.get()}) {
    auto p = node->GetProfile(IdKind::kLoyalty, "card-id-3");
    ASSERT_TRUE(p.ok() && p->has_value());
    EXPECT_EQ((*p)->linked_ids.size(), 1u + 2 * kEach);
    EXPECT_EQ((*p)->events, 2u * kEach);
  }
}

TEST_F(SharedRegionTest, TheAuditChainOfTwoWritersIsOneVerifiableChain) {
  auto append = [](Cell& cell, const char* actor) {
    for (int i = 0; i < 25; ++i) {
      auto appended = cell.audit().Append(AuditAction::kProfileRead, actor, "", "", "", NowMicros());
      ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    }
  };
  std::thread through_a([&] { append(*a_, "node-a"); });
  std::thread through_b([&] { append(*b_, "node-b"); });
  through_a.join();
  through_b.join();
  auto c = Open("c");
  auto verified = c->audit().Verify();
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << verified->problem;
  EXPECT_GE(verified->records, 50u);
  auto read = c->audit().Query("", 0, NowMicros() + 1, 1000);
  ASSERT_TRUE(read.ok());
  int from_a = 0, from_b = 0;
  for (const auto& e : *read) {
    from_a += e.key_id == "node-a";
    from_b += e.key_id == "node-b";
  }
  EXPECT_EQ(from_a, 25);
  EXPECT_EQ(from_b, 25);
}

TEST_F(SharedRegionTest, OneNodeTrainsAtATimeAndTheOthersServeWhatItPublished) {
  std::vector<Event> purchases;
  for (int s = 0; s < 30; ++s)
    for (int p = 0; p < 4; ++p)
      purchases.push_back(Purchase("t" + std::to_string(s) + "-" + std::to_string(p),
                                   "C-T" + std::to_string(s), "P" + std::to_string((s + p) % 7)));
  ASSERT_TRUE(a_->Ingest(purchases).ok());
  RecommendConfig config;
  RegionModels on_a(*a_, config), on_b(*b_, config);
  {
    auto held = a_->store().TryHold("training");
    ASSERT_TRUE(held.ok() && *held);
    auto refused = on_b.Train();
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("another node"), std::string::npos)
        << refused.status().ToString();
  }
  auto version = on_a.Train();
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((!on_b.Current() || on_b.Current()->version != *version) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  ASSERT_NE(on_b.Current(), nullptr);
  EXPECT_EQ(on_b.Current()->version, *version);
}

TEST_F(SharedRegionTest, KeysAreNotRotatedByOneNodeAlone) {
  auto rotated = a_->RotateKeys();
  ASSERT_FALSE(rotated.ok());
  EXPECT_EQ(rotated.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(rotated.status().message().find("several nodes"), std::string::npos);
  // The token key too: the other nodes would go on accepting the tokens
  // the rotation was to end.
  const std::string token = a_->MintShopperToken(IdKind::kCustomer, "C-T", NowMicros() + 60'000'000);
  auto token_key = a_->RotateTokenKey();
  EXPECT_EQ(token_key.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(token_key.status().message().find("several nodes"), std::string::npos);
  EXPECT_TRUE(a_->VerifyShopperToken(token, NowMicros()).ok()) << "the key is unchanged";
}

// A node that has taken no request since another node added a shopper
// still sweeps that shopper's events: it reads what the others changed
// first (retention runs on every node).
TEST_F(SharedRegionTest, ASweepReadsTheShoppersOtherNodesAddedFirst) {
  ASSERT_TRUE(a_->Ingest({Purchase("s1", "C-S"), Purchase("s2", "C-S", "P2")}).ok());
  auto sweep = b_->DeleteEvents([](const StoredEventHeader& h) { return h.type == EventType::kPurchase; });
  ASSERT_TRUE(sweep.ok()) << sweep.status().ToString();
  EXPECT_EQ(sweep->scanned, 2u);
  EXPECT_EQ(sweep->deleted, 2u) << "node b passed over a shopper it had not read yet";
}

// Reads of the whole region decide each group's grant from memory: a node
// reads what the others decided first, so a shopper who refused marketing
// through node a is left out of node b's next marketing read (audience
// members, cart recovery, the suggestions export and training read so).
TEST_F(SharedRegionTest, RegionWideReadsLeaveOutARefusalMadeThroughAnotherNode) {
  ASSERT_TRUE(a_->Ingest({Purchase("g1", "C-G1"), Purchase("g2", "C-G2")}).ok());
  for (const char* shopper : {"C-G1", "C-G2"})  // node b reads both shoppers
    ASSERT_TRUE(b_->GrantFor(IdKind::kCustomer, shopper, Purpose::kMarketing).any());

  ASSERT_TRUE(a_->RecordConsent(IdKind::kCustomer, "C-G1", Refusal(Purpose::kMarketing)).ok());
  size_t paged = 0;
  auto next = b_->ForEachGrantedHistoryPage(
      Purpose::kMarketing, "", 100,
      [&](const Grant&, std::vector<Event>&&, bool&) { return ++paged, Status(); });
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(paged, 1u) << "C-G2 alone";

  ASSERT_TRUE(a_->RecordConsent(IdKind::kCustomer, "C-G2", Refusal(Purpose::kMarketing)).ok());
  size_t all = 0;
  Status read = b_->ForEachGrantedHistory(
      Purpose::kMarketing, [&](const Grant&, std::vector<Event>&&) { return ++all, Status(); });
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(all, 0u) << "both refused through node a";
}

// Whether the region holds a shopper is answered after what the other
// nodes changed: a shopper added through node a, then erased through it.
TEST_F(SharedRegionTest, HoldsAnswersWhatAnotherNodeAddedOrErased) {
  ASSERT_TRUE(a_->Ingest({Purchase("h1", "C-H")}).ok());
  EXPECT_TRUE(b_->Holds(IdKind::kCustomer, "C-H"));
  ASSERT_TRUE(a_->Erase(IdKind::kCustomer, "C-H").ok());
  EXPECT_FALSE(b_->Holds(IdKind::kCustomer, "C-H"));
}

// A request compares the region's counters once, at its start; its reads
// compare them no more, and the next request's reads see what changed.
TEST_F(SharedRegionTest, ARequestComparesTheCountersOnceAndTheNextAgain) {
  ASSERT_TRUE(a_->Ingest({Purchase("f1", "C-F")}).ok());
  {
    auto request = b_->FollowForRequest();
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    ASSERT_TRUE(*request) << "a region several nodes serve";
    EXPECT_TRUE(b_->Holds(IdKind::kCustomer, "C-F"));
    ASSERT_TRUE(a_->Erase(IdKind::kCustomer, "C-F").ok());
    EXPECT_TRUE(b_->Holds(IdKind::kCustomer, "C-F")) << "within the request: no second comparison";
  }
  EXPECT_FALSE(b_->Holds(IdKind::kCustomer, "C-F")) << "once the request ended, a read reads afresh";
  auto next = b_->FollowForRequest();
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_FALSE(b_->Holds(IdKind::kCustomer, "C-F"));
}

// The catalog one node writes (products, stores, stock, prices), another
// reads on its next look at the region, row by row or, once the lists of
// the changes are gone, whole; a patch from a node whose catalog is behind
// is refused, and its retry patches what the other node wrote.
TEST_F(SharedRegionTest, ACatalogChangeThroughOneNodeIsReadByTheOthersNextRequest) {
  ASSERT_TRUE(b_->catalog().LoadMirror().ok());  // as a server does at start
  ASSERT_TRUE(b_->prices().RulesOf("P1").ok());
  ASSERT_TRUE(a_->catalog().PutProducts({Tea("P1", "Tea")}).ok());
  StoreLocation lyon;
  lyon.id = "S1";
  ASSERT_TRUE(a_->catalog().PutStores({lyon}).ok());
  ASSERT_TRUE(a_->catalog().PutInventory({{"S1", "P1", 7}}).ok());
  PriceRule half;
  half.id = "r1";
  half.product_id = "P1";
  half.kind = PriceRule::Kind::kPromotion;
  half.percent_off = 50;
  ASSERT_TRUE(a_->prices().Put({half}, NowMicros()).ok());
  EXPECT_FALSE(b_->catalog().GetProduct("P1")->has_value()) << "node b has not looked yet";

  ASSERT_TRUE(b_->FollowOtherNodes().ok());
  auto tea = b_->catalog().GetProduct("P1");
  ASSERT_TRUE(tea.ok() && tea->has_value());
  EXPECT_EQ((*tea)->title, "Tea");
  EXPECT_TRUE(b_->catalog().GetStore("S1")->has_value());
  EXPECT_EQ(b_->catalog().GetInventory("S1", "P1")->value_or(-1), 7);
  EXPECT_EQ(b_->prices().QuoteFor(**tea, {Channel::kWeb, "", NowMicros()})->price, 1'000'000)
      << "a's promotion";

  auto set = [](std::string Product::*field, std::string value) {
    return [=](const Product& p) -> Result<Product> {
      Product changed = p;
      changed.*field = value;
      return changed;
    };
  };
  ASSERT_TRUE(a_->catalog().UpdateProduct("P1", set(&Product::title, "Green tea")).ok());
  auto stale = b_->catalog().UpdateProduct("P1", set(&Product::category, "drinks"));
  EXPECT_EQ(stale.status().code(), Code::kUnavailable) << "a patch of the title b has not read";
  ASSERT_TRUE(b_->FollowOtherNodes().ok());
  ASSERT_TRUE(b_->catalog().UpdateProduct("P1", set(&Product::category, "drinks")).ok());
  ASSERT_TRUE(a_->FollowOtherNodes().ok());
  tea = a_->catalog().GetProduct("P1");
  ASSERT_TRUE(tea.ok() && tea->has_value());
  EXPECT_EQ((*tea)->title, "Green tea");
  EXPECT_EQ((*tea)->category, "drinks");

  // Two patches and a stock level moved before b looks: b holds both
  // patches, and the level gone with the product made again is gone.
  ASSERT_TRUE(a_->catalog().UpdateProduct("P1", set(&Product::title, "Sencha")).ok());
  ASSERT_TRUE(a_->catalog().UpdateProduct("P1", set(&Product::brand, "Leaf")).ok());
  ASSERT_TRUE(a_->catalog().DeleteProduct("P1").ok());
  ASSERT_TRUE(a_->catalog().PutProducts({Tea("P1", "Sencha")}).ok());
  ASSERT_TRUE(a_->catalog().PutInventory({{"online", "P1", 3}}).ok());
  ASSERT_TRUE(b_->FollowOtherNodes().ok());
  tea = b_->catalog().GetProduct("P1");
  ASSERT_TRUE(tea.ok() && tea->has_value()) << "a product written twice since b's last look";
  EXPECT_EQ((*tea)->title, "Sencha");
  EXPECT_FALSE(b_->catalog().GetInventory("S1", "P1")->has_value()) << "deleted with the product";
  EXPECT_EQ(b_->catalog().GetInventory("online", "P1")->value_or(-1), 3);

  // The lists gone (more changes than are kept), b reads the catalog whole.
  ASSERT_TRUE(a_->catalog().DeleteProduct("P1").ok());
  ASSERT_TRUE(a_->prices().DeleteRulesOf("P1").ok());
  ASSERT_TRUE(a_->catalog().PutProducts({Tea("P2", "Mint")}).ok());
  WriteBatch forget;
  forget.DeleteRange(Family::kMeta, kCatalogChangePrefix, std::string(kCatalogChangePrefix) + '\xff');
  ASSERT_TRUE(a_->store().Write(forget).ok());
  ASSERT_TRUE(b_->FollowOtherNodes().ok());
  EXPECT_FALSE(b_->catalog().GetProduct("P1")->has_value());
  EXPECT_TRUE(b_->catalog().GetProduct("P2")->has_value());
  EXPECT_TRUE(b_->prices().RulesOf("P1")->empty());
}

// A catalog version in the store behind a node's (a restored database):
// the node reads the catalog whole and writes after it again.
TEST_F(SharedRegionTest, ACatalogVersionThatWentBackIsFollowed) {
  ASSERT_TRUE(b_->catalog().LoadMirror().ok());
  ASSERT_TRUE(a_->catalog().PutProducts({Tea("P1", "Tea")}).ok());
  ASSERT_TRUE(a_->catalog().PutProducts({Tea("P2", "Mint")}).ok());
  ASSERT_TRUE(b_->FollowOtherNodes().ok());
  // What a restore of the database from before P2 leaves.
  WriteBatch gone, back;
  gone.Delete(Family::kProducts, "P2");
  ASSERT_TRUE(a_->store().Write(gone).ok());
  std::string one;
  PutFixed64BE(one, 1);
  back.Put(Family::kMeta, kCatalogVersionKey, one);
  ASSERT_TRUE(a_->store().Write(back).ok());
  ASSERT_TRUE(b_->FollowOtherNodes().ok());
  EXPECT_FALSE(b_->catalog().GetProduct("P2")->has_value());
  EXPECT_TRUE(b_->catalog().PutProducts({Tea("P3", "Rooibos")}).ok()) << "a write after the restored version";
}

// Every erasure through another node is counted, a shopper's second too,
// and makes the KEK rotation due on every node.
TEST_F(SharedRegionTest, EachErasureThroughAnotherNodeIsCountedAndMakesTheRotationDue) {
  ASSERT_TRUE(a_->Ingest({Purchase("e1", "C-TWICE")}).ok());
  ASSERT_EQ(*b_->FollowOtherNodes(), 0u);
  ASSERT_FALSE(b_->rekey_due());
  ASSERT_TRUE(a_->Erase(IdKind::kCustomer, "C-TWICE").ok());
  const uint64_t first = *b_->FollowOtherNodes();
  EXPECT_GE(first, 1u);
  EXPECT_TRUE(b_->rekey_due()) << "the DPO's cue to rotate, through either node";
  Event back = Purchase("e2", "C-TWICE");  // the shopper comes back, then is erased again
  back.timestamp = NowMicros();
  auto stored = IngestRetrying(*a_, {back});
  ASSERT_TRUE(stored.ok() && (*stored)[0].kind == IngestOutcome::Kind::kStored) << stored.status().ToString();
  ASSERT_TRUE(a_->Erase(IdKind::kCustomer, "C-TWICE").ok());
  EXPECT_GT(*b_->FollowOtherNodes(), first);
}

}  // namespace
}  // namespace confide
