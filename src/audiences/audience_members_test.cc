// Audience members over a real cell: only shoppers whose marketing grant
// holds now, never one who sent Global Privacy Control, the rules seeing
// only what the grant allows; paged; and the size released with noise,
// withheld for a handful.
#include "audiences/audience_members.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>

#include "analytics/seeded_random_source.h"
#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide {
namespace {

class AudienceMembersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Cell::Open({"eu", LegalBasis::kOptIn, "EUR", ""}, (scratch_.path() / "data").string(),
                        (scratch_.path() / "keys").string());
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
    ASSERT_TRUE(cell_->catalog()
                    .PutProducts({{"P1", "Espresso", "coffee", "", 2'500'000, {}, true},
                                  {"P2", "Green tea", "tea", "", 1'500'000, {}, true}})
                    .ok());
    ASSERT_TRUE(cell_->catalog().PutStores({{"s1", "Main street", 48.1, 11.5}}).ok());
    now_ = NowMicros();
  }

  void Buy(const std::string& customer, const std::string& product, int days_ago, Channel channel = Channel::kWeb,
           const std::string& store = "") {
    Event e;
    e.event_id = customer + "-" + product + "-" + std::to_string(days_ago);
    e.type = EventType::kPurchase;
    e.channel = channel;
    e.store_id = store;
    e.timestamp = now_ - Micros(days_ago) * kMicrosPerDay;
    e.product_id = product;
    e.quantity = 1;
    e.unit_price = 2'500'000;
    e.currency = "EUR";
    e.order_id = "O-" + e.event_id;
    e.id(IdKind::kCustomer) = customer;
    ASSERT_TRUE(cell_->Ingest({e}).ok());
  }
  void Marketing(const std::string& customer, bool granted, std::optional<CategorySet> opt_outs = std::nullopt,
                 Purpose purpose = Purpose::kMarketing) {
    ConsentRecord r;
    r.timestamp = NowMicros();
    r.purposes[static_cast<size_t>(purpose)] = granted;
    r.category_opt_outs = opt_outs;
    ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, customer, r).ok());
  }

  AudienceMatcher Matcher(const std::string& json) {
    auto a = ParseAudience(json);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    auto m = AudienceMatcher::Make(*a, cell_->catalog(), nullptr, {}, now_);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return std::move(*m);
  }
  std::vector<std::string> Members(const AudienceMatcher& m) {
    std::vector<std::string> ids;
    std::string cursor;
    do {
      auto page = ListMembersPage(*cell_, m, cursor, 1, 3);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      for (const Addressee& a : page->members) {
        EXPECT_EQ(a.kind, IdKind::kCustomer);
        ids.push_back(a.id);
      }
      cursor = page->next_cursor;
    } while (!cursor.empty());
    std::sort(ids.begin(), ids.end());
    auto counted = CountMembers(*cell_, m);
    EXPECT_TRUE(counted.ok());
    EXPECT_EQ(*counted, ids.size()) << "the count counts the members listed";
    return ids;
  }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
  Micros now_ = 0;
};

using Ids = std::vector<std::string>;

TEST_F(AudienceMembersTest, OnlyACurrentMarketingGrantWithoutGpcMakesAMember) {
  for (const char* c : {"C-granted", "C-silent", "C-refused", "C-gpc", "C-withdrawn", "C-no-purchases"}) Buy(c, "P1", 40);
  for (const char* c : {"C-granted", "C-gpc", "C-withdrawn", "C-no-purchases"}) Marketing(c, true);
  Marketing("C-refused", false);
  ASSERT_TRUE(cell_->RecordGpc(IdKind::kCustomer, "C-gpc", "test-agent").ok());
  Marketing("C-gpc", true);  // granted again after GPC: their own requests may use it, no export does
  Marketing("C-withdrawn", false);
  Marketing("C-no-purchases", true, CategorySet().With(DataCategory::kPurchases));
  EXPECT_EQ(Members(Matcher(R"({"name":"coffee","category":"coffee"})")), Ids{"C-granted"});
}

TEST_F(AudienceMembersTest, TheRulesSelectByCategoryLapseStoreAndChannelWithinTheWindow) {
  Buy("C-lapsed", "P1", 40, Channel::kStore, "s1");
  Buy("C-recent", "P1", 5);
  Buy("C-recent", "P1", 50);
  Buy("C-tea", "P2", 40);
  Buy("C-old", "P1", 200);
  for (const char* c : {"C-lapsed", "C-recent", "C-tea", "C-old"}) Marketing(c, true);
  EXPECT_EQ(Members(Matcher(R"({"name":"a","category":"coffee"})")), (Ids{"C-lapsed", "C-recent"}))
      << "C-old's purchase is before the 90-day window";
  EXPECT_EQ(Members(Matcher(R"({"name":"a","category":"coffee","window_days":365})")),
            (Ids{"C-lapsed", "C-old", "C-recent"}));
  EXPECT_EQ(Members(Matcher(R"({"name":"a","category":"coffee","lapsed_days":30})")), Ids{"C-lapsed"})
      << "C-recent bought coffee 5 days ago";
  EXPECT_EQ(Members(Matcher(R"({"name":"a","lapsed_days":30})")), (Ids{"C-lapsed", "C-tea"}));
  EXPECT_EQ(Members(Matcher(R"({"name":"a","store_id":"s1"})")), Ids{"C-lapsed"});
  EXPECT_EQ(Members(Matcher(R"({"name":"a","channel":"web"})")), (Ids{"C-recent", "C-tea"}));
}

TEST_F(AudienceMembersTest, AnAffinityRuleNeedsATrainedModel) {
  auto m = AudienceMatcher::Make(*ParseAudience(R"({"name":"a","affinity":{"product_id":"P1","min_score":0.2}})"),
                                 cell_->catalog(), nullptr, {}, now_);
  EXPECT_EQ(m.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(m.status().field(), "affinity");
}

class AudienceSizeTest : public AudienceMembersTest {
 protected:
  void SetUp() override {
    AudienceMembersTest::SetUp();
    AnalyticsConfig config;
    config.max_rho_per_query = config.max_rho_per_key_per_month = 1;
    auto insights = analytics::RegionInsights::Open(*cell_, config, "", source_);
    ASSERT_TRUE(insights.ok()) << insights.status().ToString();
    insights_ = std::move(*insights);
  }
  // The released "members" number: its value, or nullopt when withheld.
  std::optional<double> Released(const AudienceMatcher& m, bool* repeat = nullptr) {
    auto r = ReleaseAudienceSize(*cell_, *insights_, m, 500'000'000, now_, "k1");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return std::nullopt;
    if (repeat) *repeat = r->repeat;
    simdjson::dom::parser p;
    simdjson::dom::element n = p.parse(r->json).at_pointer("/numbers/0");
    EXPECT_EQ(std::string_view(n["statistic"]), "members") << r->json;
    double value = 0;
    if (n["value"].get(value)) return std::nullopt;
    return value;
  }
  analytics::SeededRandomSource source_{7};
  std::unique_ptr<analytics::RegionInsights> insights_;
};

TEST_F(AudienceSizeTest, TheSizeCountsMembersWhoseAnalyticsGrantHoldsNoisedAndWithheldForAHandful) {
  for (int i = 0; i < 3; ++i) {
    Buy("C-few-" + std::to_string(i), "P2", 10);
    Marketing("C-few-" + std::to_string(i), true);
    Marketing("C-few-" + std::to_string(i), true, std::nullopt, Purpose::kAnalytics);
  }
  for (int i = 0; i < 90; ++i) {
    Buy("C-many-" + std::to_string(i), "P1", 10);
    Marketing("C-many-" + std::to_string(i), true);
    if (i < 60) Marketing("C-many-" + std::to_string(i), true, std::nullopt, Purpose::kAnalytics);  // 30 refuse it
  }
  EXPECT_EQ(Released(Matcher(R"({"name":"tea","category":"tea"})")), std::nullopt) << "3 members: withheld";
  bool repeat = true;
  auto many = Released(Matcher(R"({"name":"coffee","category":"coffee"})"), &repeat);
  ASSERT_TRUE(many.has_value());
  EXPECT_FALSE(repeat);
  EXPECT_NEAR(*many, 60, 5) << "sigma 1 at rho 0.5: the 60 members who allow analytics, not the 90";
  auto again = Released(Matcher(R"({"name":"coffee","category":"coffee"})"), &repeat);
  EXPECT_TRUE(repeat) << "asked again the same day: the stored answer, free";
  EXPECT_EQ(again, many);
}

}  // namespace
}  // namespace confide
