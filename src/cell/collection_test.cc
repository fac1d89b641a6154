// What an opt-in region stores of a shopper who has granted nothing yet
// (RegionConfig::collect_without_grant).
#include <gtest/gtest.h>

#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

Event Of(std::string event_id, EventType type, std::string customer) {
  Event e;
  e.event_id = std::move(event_id);
  e.type = type;
  e.channel = Channel::kWeb;
  e.timestamp = NowMicros() - 60 * kMicrosPerSecond;
  e.id(IdKind::kCustomer) = std::move(customer);
  e.product_id = "P1";
  if (type == EventType::kPurchase) {
    e.quantity = 1;
    e.order_id = "O-" + e.event_id;
  }
  if (type == EventType::kIdentify) e.id(IdKind::kAnonymous) = "anon-of-" + e.event_id;
  return e;
}

class CollectionTest : public ::testing::Test {
 protected:
  std::unique_ptr<Cell> Open(LegalBasis basis, Collection rule) {
    RegionConfig region{"eu", basis, "EUR", ""};
    region.collect_without_grant = rule;
    auto c = Cell::Open(region, (scratch_.path() / "data").string(), (scratch_.path() / "keys").string());
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  static std::vector<IngestOutcome::Kind> Kinds(Cell& cell, std::vector<Event> events) {
    auto r = cell.Ingest(std::move(events));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<IngestOutcome::Kind> kinds;
    if (r.ok())
      for (const auto& o : *r) kinds.push_back(o.kind);
    return kinds;
  }
  static ConsentRecord Grant(Purpose purpose) {
    ConsentRecord r;
    r.timestamp = NowMicros() - kMicrosPerSecond;
    r.purposes[static_cast<size_t>(purpose)] = true;
    return r;
  }

  using K = IngestOutcome::Kind;
  ScratchDir scratch_;
};

// The default: purchases are business records, browsing is not kept
// without a grant, and nothing at all is created for a browser that only
// browsed. A later grant personalizes from the purchases lawfully kept.
TEST_F(CollectionTest, PurchasesAreKeptWithoutAGrantBrowsingIsNot) {
  auto cell = Open(LegalBasis::kOptIn, Collection::kPurchases);
  EXPECT_EQ(Kinds(*cell, {Of("v-1", EventType::kView, "C-1")}), std::vector<K>{K::kNotCollected});
  EXPECT_FALSE(cell->GetProfile(IdKind::kCustomer, "C-1")->has_value()) << "no shopper was created";
  EXPECT_EQ(Kinds(*cell, {Of("p-1", EventType::kPurchase, "C-1"), Of("l-1", EventType::kIdentify, "C-1")}),
            (std::vector<K>{K::kStored, K::kStored}));
  EXPECT_EQ(Kinds(*cell, {Of("v-2", EventType::kView, "C-1")}), std::vector<K>{K::kNotCollected})
      << "a known shopper without a grant is no different";

  ASSERT_TRUE(cell->RecordConsent(IdKind::kCustomer, "C-1", Grant(Purpose::kPersonalization)).ok());
  EXPECT_EQ(Kinds(*cell, {Of("v-3", EventType::kView, "C-1")}), std::vector<K>{K::kStored});
  auto history = cell->History(cell->GrantFor(IdKind::kCustomer, "C-1", Purpose::kPersonalization));
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u) << "the purchase kept before the grant, and the view after it";
  EXPECT_EQ((*history)[0].type, EventType::kPurchase);
}

// A device's grant does not travel to the customer it is linked to, so it
// does not let the customer's browsing in either.
TEST_F(CollectionTest, ADevicesGrantKeepsNoBrowsingOfTheCustomer) {
  auto cell = Open(LegalBasis::kOptIn, Collection::kPurchases);
  ASSERT_TRUE(cell->RecordConsent(IdKind::kAnonymous, "dev-9", Grant(Purpose::kPersonalization)).ok());
  Event view = Of("v-9", EventType::kView, "C-9");
  view.id(IdKind::kAnonymous) = "dev-9";
  EXPECT_EQ(Kinds(*cell, {view}), std::vector<K>{K::kNotCollected});
}

TEST_F(CollectionTest, NoneKeepsNothingAndAllKeepsEverything) {
  auto none = Open(LegalBasis::kOptIn, Collection::kNone);
  EXPECT_EQ(Kinds(*none, {Of("p-1", EventType::kPurchase, "C-2"), Of("l-1", EventType::kIdentify, "C-2")}),
            (std::vector<K>{K::kNotCollected, K::kNotCollected}));
  none.reset();
  auto all = Open(LegalBasis::kOptIn, Collection::kAll);
  EXPECT_EQ(Kinds(*all, {Of("v-1", EventType::kView, "C-2")}), std::vector<K>{K::kStored});
}

// A grant for a purpose that uses the category lets it in; a grant the
// shopper's category opt-outs empty, or of analytics (nothing reads a
// shopper's data for it), does not.
TEST_F(CollectionTest, AGrantThatUsesTheCategoryLetsItIn) {
  auto cell = Open(LegalBasis::kOptIn, Collection::kPurchases);
  ConsentRecord personalization_without_browsing = Grant(Purpose::kPersonalization);
  personalization_without_browsing.category_opt_outs = CategorySet().With(DataCategory::kBrowsing);
  ASSERT_TRUE(cell->RecordConsent(IdKind::kCustomer, "C-3", personalization_without_browsing).ok());
  EXPECT_EQ(Kinds(*cell, {Of("v-1", EventType::kView, "C-3")}), std::vector<K>{K::kNotCollected});
  ASSERT_TRUE(cell->RecordConsent(IdKind::kCustomer, "C-6", Grant(Purpose::kAnalytics)).ok());
  EXPECT_EQ(Kinds(*cell, {Of("v-3", EventType::kView, "C-6")}), std::vector<K>{K::kNotCollected});
  ASSERT_TRUE(cell->RecordConsent(IdKind::kCustomer, "C-4", Grant(Purpose::kMarketing)).ok());
  EXPECT_EQ(Kinds(*cell, {Of("v-2", EventType::kView, "C-4")}), std::vector<K>{K::kStored});
}

TEST_F(CollectionTest, OptOutRegionsCollectUntilARefusal) {
  auto cell = Open(LegalBasis::kOptOut, Collection::kNone);  // the rule is for opt-in regions
  EXPECT_EQ(Kinds(*cell, {Of("v-1", EventType::kView, "C-5")}), std::vector<K>{K::kStored});
}

}  // namespace
}  // namespace confide
