// Insights over a real cell: only shoppers whose analytics grant allows
// purchases count, a withdrawal or an erasure removes a shopper from later
// answers, bad input is refused naming the field and charges nothing, and
// repeats are free.
#include "analytics/insights.h"

#include <gtest/gtest.h>

#include <climits>

#include "analytics/seeded_random_source.h"
#include "cell/cell.h"
#include "core/scratch_dir.h"

namespace confide::analytics {
namespace {

const RegionConfig kRegion{"eu", LegalBasis::kOptOut, "EUR", ""};
const Micros kNov2 = *ParseRfc3339("2026-11-02T10:00:00Z");
const Micros kDec3 = *ParseRfc3339("2026-12-03T10:00:00Z");

Event Purchase(const std::string& customer, const std::string& product, int n) {
  Event e;
  e.event_id = customer + "-" + product + "-" + std::to_string(n);
  e.type = EventType::kPurchase;
  e.channel = Channel::kWeb;
  e.timestamp = kNov2 + n;
  e.product_id = product;
  e.quantity = 1;
  e.unit_price = 2'500'000;
  e.currency = "EUR";
  e.order_id = "O-" + e.event_id;
  e.id(IdKind::kCustomer) = customer;
  return e;
}

ConsentRecord Refusing(Purpose p) {
  ConsentRecord r;
  r.timestamp = kNov2;
  r.purposes[static_cast<size_t>(p)] = false;
  return r;
}

class InsightsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = Cell::Open(kRegion, scratch_ / "data", scratch_ / "keys");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    cell_ = std::move(c).value();
    ASSERT_TRUE(cell_->catalog().PutProducts({{"P1", "Bread", "bakery", "", 2'500'000, {}, true}}).ok());
    ASSERT_TRUE(cell_->catalog().PutStores({{"S1", "Main street", 48.1, 11.5}}).ok());
    std::vector<Event> events;
    for (int i = 0; i < 30; ++i) events.push_back(Purchase("C-" + std::to_string(i), "P1", i));
    ASSERT_TRUE(cell_->Ingest(events).ok());
    AnalyticsConfig config;
    config.max_rho_per_query = config.max_rho_per_key_per_month = 1;  // the caps have tests of their own
    auto insights = RegionInsights::Open(*cell_, config, "", source_);
    ASSERT_TRUE(insights.ok());
    insights_ = std::move(*insights);
  }
  size_t Shoppers() {
    auto data = ReadGrantedOrders(*cell_, *ParsePeriodBound("2026-11-01", false, "from"),
                                  *ParsePeriodBound("2026-11-30", true, "to"));
    EXPECT_TRUE(data.ok());
    return data.ok() ? data->size() : 0;
  }
  Result<QuerySpec> Parse(const std::string& json) { return ParseQueryRequest(json, insights_->default_nano_rho()); }

  ScratchDir scratch_;
  std::unique_ptr<Cell> cell_;
  SeededRandomSource source_{1};
  std::unique_ptr<RegionInsights> insights_;
};

TEST_F(InsightsTest, OnlyShoppersWhoseAnalyticsGrantAllowsPurchasesCount) {
  EXPECT_EQ(Shoppers(), 30u);
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-1", Refusing(Purpose::kAnalytics)).ok());
  EXPECT_EQ(Shoppers(), 29u) << "a withdrawal counts from the next read";
  ConsentRecord no_purchases;
  no_purchases.timestamp = kNov2;
  no_purchases.category_opt_outs = CategorySet().With(DataCategory::kPurchases);
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-2", no_purchases).ok());
  EXPECT_EQ(Shoppers(), 28u);
  // Refusing another purpose changes nothing for analytics.
  ASSERT_TRUE(cell_->RecordConsent(IdKind::kCustomer, "C-3", Refusing(Purpose::kMarketing)).ok());
  EXPECT_EQ(Shoppers(), 28u);
  ASSERT_TRUE(cell_->Erase(IdKind::kCustomer, "C-4").ok());
  EXPECT_EQ(Shoppers(), 27u) << "an erasure too";
}

TEST_F(InsightsTest, AQueryIsChargedOnceAndItsRepeatIsFree) {
  auto spec = Parse(R"({"query":"top_products","from":"2026-11-01","to":"2026-11-30","k":5,"rho":0.05})");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  auto first = insights_->Run(*spec, kDec3, "k1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->repeat);
  // 28 shoppers: at this cost every product is under the shopper floor.
  EXPECT_NE(first->json.find("the 0 over the floor"), std::string::npos) << first->json;
  EXPECT_NE(first->json.find("\"min_shoppers\":20"), std::string::npos) << "answers before the floor lack it";
  auto again = insights_->Run(*spec, kDec3 + 1, "k2");
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->repeat);
  EXPECT_EQ(again->json, first->json);
  auto budget = insights_->Budget("2026-11");
  ASSERT_TRUE(budget.ok());
  EXPECT_EQ(budget->nano_rho_spent, 50'000'000);
  ASSERT_EQ(budget->charges.size(), 1u);
  const std::string json = BudgetToJson(*budget);
  EXPECT_NE(json.find("\"remaining\":0.95"), std::string::npos) << json;
}

TEST_F(InsightsTest, BadInputIsRefusedNamingTheFieldAndChargesNothing) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"query":"best_sellers","from":"2026-11-01","to":"2026-11-30"})", "query"},
      {R"({"from":"2026-11-01","to":"2026-11-30"})", "query"},
      {R"({"query":"spend","from":"2026-11-31","to":"2026-11-30"})", "from"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-W99"})", "to"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","rho":0})", "rho"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","rho":-1})", "rho"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","k":0})", "k"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","k":101})", "k"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","channel":"fax"})", "channel"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","colour":"red"})", "colour"},
      {R"([1,2])", "body"},
  };
  for (const auto& [body, field] : cases) {
    auto spec = Parse(body);
    ASSERT_FALSE(spec.ok()) << body;
    EXPECT_EQ(spec.status().field(), field) << body;
  }
  const std::pair<const char*, const char*> run_cases[] = {
      {R"({"query":"spend","from":"2026-11-30","to":"2026-11-01"})", "to"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","rho":1.5})", "rho"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","rho":0.0000001})", "rho"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","store_id":"S9"})", "store_id"},
      {R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","category":"toys"})", "category"},
  };
  for (const auto& [body, field] : run_cases) {
    auto spec = Parse(body);
    ASSERT_TRUE(spec.ok()) << body << " " << spec.status().ToString();
    auto run = insights_->Run(*spec, kDec3, "k1");
    ASSERT_FALSE(run.ok()) << body;
    EXPECT_EQ(run.status().code(), Code::kInvalidArgument) << body;
    EXPECT_EQ(run.status().field(), field) << body;
  }
  EXPECT_EQ(insights_->Budget("2026-11")->nano_rho_spent, 0);
}

TEST_F(InsightsTest, AnAnswerAboutAPeriodStillFillingIsStoredForTheDayOnly) {
  auto spec = Parse(R"({"query":"spend","from":"2026-12-01","to":"2026-12-31"})");
  ASSERT_TRUE(spec.ok());
  ASSERT_FALSE(insights_->Run(*spec, kDec3, "k1")->repeat);
  EXPECT_TRUE(insights_->Run(*spec, kDec3 + 3600'000'000LL, "k1")->repeat) << "the same day: stored";
  EXPECT_FALSE(insights_->Run(*spec, kDec3 + kMicrosPerDay, "k1")->repeat) << "the next day: more data, a new release";
  EXPECT_EQ(insights_->Budget("2026-12")->nano_rho_spent, 20'000'000);
  auto closed = Parse(R"({"query":"spend","from":"2026-11-01","to":"2026-11-30"})");
  ASSERT_FALSE(insights_->Run(*closed, kDec3, "k1")->repeat);
  EXPECT_TRUE(insights_->Run(*closed, kDec3 + 40 * kMicrosPerDay, "k1")->repeat) << "a closed period: stored for good";
}

TEST_F(InsightsTest, MonthsWithoutDataYetAreNotCharged) {
  auto spec = Parse(R"({"query":"spend","from":"2026-11-20","to":"2027-03-31"})");
  ASSERT_TRUE(insights_->Run(*spec, kDec3, "k1").ok());
  EXPECT_EQ(insights_->Budget("2026-12")->nano_rho_spent, 10'000'000);
  EXPECT_EQ(insights_->Budget("2027-01")->nano_rho_spent, 0) << "no data exists after tomorrow";
  auto future = Parse(R"({"query":"spend","from":"2027-01-01","to":"2027-01-31"})");
  EXPECT_EQ(insights_->Run(*future, kDec3, "k1").status().field(), "from");
}

TEST(OrdersFromHistory, APickupAfterThePeriodIsNotRead) {
  Event order = Purchase("C-p", "P1", 0), pickup;
  pickup.type = EventType::kPickup;
  pickup.order_id = order.order_id;
  pickup.timestamp = order.timestamp + 40 * kMicrosPerDay;  // in December
  auto category = [](const std::string&) { return std::string("bakery"); };
  const Micros nov1 = *ParsePeriodBound("2026-11-01", false, "from"), dec1 = *ParsePeriodBound("2026-11-30", true, "to");
  ShopperOrders in_november = OrdersFromHistory({order, pickup}, nov1, dec1, category);
  ASSERT_EQ(in_november.orders.size(), 1u);
  EXPECT_FALSE(in_november.orders[0].picked_up) << "December's pickup is not November's data";
  pickup.timestamp = order.timestamp + kMicrosPerDay;
  EXPECT_TRUE(OrdersFromHistory({order, pickup}, nov1, dec1, category).orders[0].picked_up);
}

TEST_F(InsightsTest, ARefusedQueryIsAudited) {
  auto spec = Parse(R"({"query":"spend","from":"2026-11-01","to":"2026-11-30","store_id":"S9"})");
  ASSERT_TRUE(spec.ok());
  ASSERT_EQ(insights_->Run(*spec, kDec3, "k1").status().field(), "store_id");
  auto entries = cell_->audit().Query("", 0, INT64_MAX, 10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].details, "refused, invalid store_id: nothing charged");
  EXPECT_EQ((*entries)[0].key_id, "k1");
}

TEST_F(InsightsTest, AQueryOverTheRemainingBudgetIsExhaustedAndChargesNothing) {
  auto big = Parse(R"({"query":"basket_size","from":"2026-W45","to":"2026-W46","rho":0.9})");
  ASSERT_TRUE(big.ok());
  ASSERT_TRUE(insights_->Run(*big, kDec3, "k1").ok());
  auto over = Parse(R"({"query":"spend","from":"2026-W45","to":"2026-W46","rho":0.2})");
  ASSERT_TRUE(over.ok());
  auto refused = insights_->Run(*over, kDec3, "k1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kResourceExhausted);
  EXPECT_NE(refused.status().message().find("0.1 of 1 remains"), std::string::npos) << refused.status().message();
  EXPECT_EQ(insights_->Budget("2026-11")->nano_rho_spent, 900'000'000);
}

}  // namespace
}  // namespace confide::analytics
