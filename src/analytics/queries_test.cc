// The retail queries on hand-built data: bounds hold, every public key is
// noised, no partition of fewer than 20 shoppers is shown, intervals cover,
// and a whole query passes the DP tester on neighbouring data sets (one
// shopper added; false-positive rate <= 0.001).
#include "analytics/queries.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>

#include "analytics/dp_test_harness.h"
#include "analytics/seeded_random_source.h"
#include "analytics/shopper_floor.h"

namespace confide::analytics {
namespace {

const Micros kNov2 = *ParseRfc3339("2026-11-02T10:00:00Z");

PublicDomain Domain() {
  PublicDomain d;
  d.products = {"bread", "milk", "soap", "tea"};
  d.category_of = {{"bread", "bakery"}, {"milk", "dairy"}, {"soap", "home"}, {"tea", "drinks"}};
  d.categories = {"bakery", "dairy", "drinks", "home"};
  d.stores = {"S1", "S2"};
  return d;
}

Order MakeOrder(std::vector<std::pair<std::string, int64_t>> lines, Channel channel = Channel::kWeb,
                std::string store = "", int64_t cents_each = 250) {
  const PublicDomain d = Domain();
  Order o;
  o.time = kNov2;
  o.channel = channel;
  o.store_id = std::move(store);
  for (auto& [product, qty] : lines) o.lines.push_back({product, d.category_of.at(product), qty, qty * cents_each});
  return o;
}

// n shoppers each with the same orders.
void Add(Dataset& data, int n, const std::vector<Order>& orders) {
  for (int i = 0; i < n; ++i) data.push_back({orders});
}

QuerySpec Spec(QueryKind kind, double rho = 1000) {
  QuerySpec s;
  s.kind = kind;
  s.from = *ParsePeriodBound("2026-11-01", false, "from");
  s.to = *ParsePeriodBound("2026-11-30", true, "to");
  s.nano_rho = int64_t(rho * 1e9);
  s.k = 10;
  return s;
}

const ReleasedNumber* Find(const Answer& a, const std::string& group, const std::string& statistic) {
  for (const auto& n : a.numbers) {
    if (n.group == group && n.statistic == statistic) return &n;
  }
  return nullptr;
}

TEST(Queries, TopProductsRanksTheBestSellerFirstAndShowsItsMechanism) {
  Dataset data;
  Add(data, 600, {MakeOrder({{"bread", 2}})});
  Add(data, 400, {MakeOrder({{"milk", 1}})});
  SeededRandomSource source(1);
  auto a = RunQuery(Spec(QueryKind::kTopProducts, 0.01), data, Domain(), source);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_GE(a->numbers.size(), 4u);
  EXPECT_EQ(a->numbers[0].group, "product=bread");
  EXPECT_EQ(a->numbers[0].statistic, "buyers");
  EXPECT_EQ(a->numbers[2].group, "product=milk");
  EXPECT_LE(a->numbers[0].low, 600);
  EXPECT_GE(a->numbers[0].high, 600);
  EXPECT_EQ(a->numbers[0].mechanism, "discrete_gaussian");
  EXPECT_EQ(a->numbers[0].cost_nano_rho, 5'000'000);  // half of 0.01
  EXPECT_NE(a->numbers[0].sensitivity.find("L0=5"), std::string::npos);
  // sigma^2 = 5 / (2 * 0.005) = 500.
  EXPECT_NEAR(a->numbers[0].parameter, std::sqrt(500.0), 1e-6);
}

TEST(Queries, TopProductsNoisesEveryProductAndListsOnlyThoseOverTheShopperFloor) {
  Dataset data;
  Add(data, 50, {MakeOrder({{"bread", 1}})});
  Add(data, 19, {MakeOrder({{"milk", 1}})});
  SeededRandomSource source(2);
  // At rho 1000 the noise is a tenth of a shopper: only the 20 shoppers bite.
  auto a = RunQuery(Spec(QueryKind::kTopProducts), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->numbers.size(), 2u);  // bread's buyers and units; milk (19), soap and tea (0) not listed
  ASSERT_NE(Find(*a, "product=bread", "buyers"), nullptr);
  EXPECT_EQ(Find(*a, "product=milk", "buyers"), nullptr);
  EXPECT_NE(a->notes[0].find("noised (4); the 1 over the floor"), std::string::npos) << a->notes[0];
}

TEST(Queries, NoNumberOfAPublicPartitionIsShownForFewerThanTwentyShoppers) {
  // 19 shoppers bought everything three times; at rho 1000 their numbers
  // would be exact to a tenth, yet every one is withheld. A few more and the
  // partitions they fill are shown (T at this cost: 21 buyers, 61 orders,
  // past what 20 shoppers add).
  const Order all = MakeOrder({{"bread", 1}, {"milk", 1}, {"soap", 1}, {"tea", 1}});
  const std::vector<Order> orders = {all, all, all};
  for (int shoppers : {19, 22}) {
    Dataset data;
    Add(data, shoppers, orders);
    for (QueryKind kind : {QueryKind::kCategoryTrends, QueryKind::kRepeatRate, QueryKind::kBasketSize,
                           QueryKind::kSpend, QueryKind::kChannelMix}) {
      SeededRandomSource source{uint64_t(shoppers)};
      auto a = RunQuery(Spec(kind), data, Domain(), source);
      ASSERT_TRUE(a.ok());
      int shown = 0, withheld = 0;
      for (const ReleasedNumber& n : a->numbers) ++(n.withheld ? withheld : shown);
      if (shoppers == 19) {
        EXPECT_EQ(shown, 0) << QueryName(kind);
      } else {
        EXPECT_GT(shown, 0) << QueryName(kind);
      }
      EXPECT_FALSE(a->numbers.empty()) << QueryName(kind);
      EXPECT_EQ(QueryPicoDelta(Spec(kind)), kPublicPicoDelta);
    }
  }
}

TEST(Queries, ASharesTotalLeavesOutWithheldPartitionsSoNoneIsFoundBySubtraction) {
  Dataset data;
  Add(data, 100, {MakeOrder({{"bread", 1}})});
  Add(data, 5, {MakeOrder({{"milk", 1}}, Channel::kApp)});
  SeededRandomSource source(10);
  auto a = RunQuery(Spec(QueryKind::kChannelMix), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(Find(*a, "channel=app", "orders")->withheld);
  EXPECT_NEAR(Find(*a, "channel=web", "share")->value, 1.0, 1e-3) << "of the shown channels' orders";
}

TEST(Queries, RepeatBuyersAreAPartitionOfTheirOwnUnderTheFloor) {
  // 100 buyers of dairy, one of whom bought it twice: the buyers are shown,
  // the one repeat buyer and the rate made of them are not.
  Dataset data;
  Add(data, 99, {MakeOrder({{"milk", 1}})});
  Add(data, 1, {MakeOrder({{"milk", 1}}), MakeOrder({{"milk", 1}})});
  SeededRandomSource source(11);
  auto a = RunQuery(Spec(QueryKind::kRepeatRate), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(Find(*a, "category=dairy", "buyers")->withheld);
  EXPECT_TRUE(Find(*a, "category=dairy", "repeat_buyers")->withheld);
  EXPECT_TRUE(Find(*a, "category=dairy", "repeat_rate")->withheld);
  Add(data, 30, {MakeOrder({{"milk", 1}}), MakeOrder({{"milk", 1}})});
  a = RunQuery(Spec(QueryKind::kRepeatRate), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(Find(*a, "category=dairy", "repeat_buyers")->value, 31, 1);
  EXPECT_NEAR(Find(*a, "category=dairy", "repeat_rate")->value, 31.0 / 130, 0.01);
}

TEST(Queries, ARatioWhollyOutOfRangeKeepsTheWidthOfItsInterval) {
  // -14 +- 1.96 x 7 over 100: wholly below 0, so [0, its width], not [0, 0].
  const ReleasedNumber r = Ratio("", "repeat_rate", {-14, 14, 7}, {100, 14, 7}, 0, 1);
  EXPECT_EQ(r.value, 0);
  EXPECT_EQ(r.low, 0);
  EXPECT_NEAR(r.high, 2 * 1.96 * std::sqrt(49 + 0.14 * 0.14 * 49) / 100, 1e-3);
  const ReleasedNumber inside = Ratio("", "share", {50, 14, 7}, {100, 14, 7}, 0, 1);
  EXPECT_LT(inside.low, 0.5);
  EXPECT_GT(inside.high, 0.5);
}

TEST(Queries, TheFloorAlsoNeedsTheNoisedCountToClearItsThreshold) {
  // sigma 10 over one partition: t = ceil(10 sqrt(2 ln 1e9)) = 65, T = 20 + 65.
  const ShopperFloor one(1, 10, 1);
  EXPECT_EQ(one.threshold(), 85);
  EXPECT_FALSE(one.Shows(500, 84));
  EXPECT_TRUE(one.Shows(20, 85));
  EXPECT_FALSE(one.Shows(19, 10'000));
  // Three orders a shopper: 20 shoppers may add 60.
  EXPECT_EQ(ShopperFloor(3, 10, 1).threshold(), 60 + 65);
  // More partitions share the delta: a little higher.
  EXPECT_GT(ShopperFloor(1, 10, 1000).threshold(), 85);
  // At the default cost 40 shoppers of bread are real but under the noise floor.
  Dataset data;
  Add(data, 40, {MakeOrder({{"bread", 1}})});
  SeededRandomSource source(9);
  auto a = RunQuery(Spec(QueryKind::kRepeatRate, 0.02), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  ASSERT_NE(Find(*a, "category=bakery", "buyers"), nullptr);
  EXPECT_TRUE(Find(*a, "category=bakery", "buyers")->withheld);
  EXPECT_NE(a->notes[1].find("reached"), std::string::npos) << a->notes[1];
}

TEST(Queries, AShopperBuyingAThousandUnitsAddsAtMostTheClamp) {
  Dataset data;
  Add(data, 25, {MakeOrder({{"tea", 1000}})});
  SeededRandomSource source(3);
  auto a = RunQuery(Spec(QueryKind::kTopProducts), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  ASSERT_NE(Find(*a, "product=tea", "units"), nullptr);
  EXPECT_NEAR(Find(*a, "product=tea", "units")->value, 25 * 3, 1);  // rho 1000: noise sd ~0.05
}

TEST(Queries, BoughtTogetherNeverShowsAPairOfFewerThanTwentyShoppers) {
  Dataset data;
  Add(data, 19, {MakeOrder({{"soap", 1}, {"tea", 1}})});
  Add(data, 400, {MakeOrder({{"bread", 1}, {"milk", 1}})});
  for (uint64_t seed = 0; seed < 50; ++seed) {
    SeededRandomSource source(seed);
    auto a = RunQuery(Spec(QueryKind::kBoughtTogether, 100), data, Domain(), source);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(Find(*a, "pair=drinks + home", "shoppers"), nullptr);
    ASSERT_NE(Find(*a, "pair=bakery + dairy", "shoppers"), nullptr);
    EXPECT_EQ(a->partitions_selected, 1);
  }
  EXPECT_EQ(QueryPicoDelta(Spec(QueryKind::kBoughtTogether)), 10'000);
}

TEST(Queries, FiltersNarrowToAStoreAChannelAndACategory) {
  Dataset data;
  Add(data, 100, {MakeOrder({{"bread", 1}}, Channel::kStore, "S1")});
  Add(data, 60, {MakeOrder({{"milk", 1}}, Channel::kWeb, "")});
  SeededRandomSource source(4);
  QuerySpec s = Spec(QueryKind::kTopProducts);
  s.store_id = "S1";
  auto a = RunQuery(s, data, Domain(), source);
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(Find(*a, "product=bread", "buyers")->value, 100, 1);
  EXPECT_EQ(Find(*a, "product=milk", "buyers"), nullptr) << "no buyer in S1";
  s = Spec(QueryKind::kTopProducts);
  s.category = "dairy";
  a = RunQuery(s, data, Domain(), source);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->numbers.size(), 2u);
  EXPECT_NEAR(Find(*a, "product=milk", "buyers")->value, 60, 1);
  s.store_id = "S9";
  EXPECT_EQ(CheckFilters(s, Domain()).field(), "store_id");
  s.store_id.clear();
  s.category = "toys";
  EXPECT_EQ(CheckFilters(s, Domain()).field(), "category");
}

TEST(Queries, OrderQueriesMeasureBasketsSpendAndChannels) {
  Dataset data;
  // 200 shoppers: two web orders of 3 items at 2.50; 100: one store order of 1 item.
  Add(data, 200, {MakeOrder({{"bread", 2}, {"milk", 1}}), MakeOrder({{"tea", 3}})});
  Add(data, 100, {MakeOrder({{"soap", 1}}, Channel::kStore, "S2", 1000)});
  SeededRandomSource source(5);
  auto basket = RunQuery(Spec(QueryKind::kBasketSize), data, Domain(), source);
  ASSERT_TRUE(basket.ok());
  EXPECT_NEAR(Find(*basket, "items=3", "orders")->value, 400, 2);
  EXPECT_NEAR(Find(*basket, "", "mean_items")->value, 1300.0 / 500.0, 0.02);
  EXPECT_EQ(Find(*basket, "", "mean_items")->cost_nano_rho, 0) << "post-processing costs nothing of its own";
  EXPECT_GT(Find(*basket, "items=3", "orders")->cost_nano_rho, 0);
  // A sum's sensitivity is 3 orders x 500.00: at rho 1e5 its sd is 5.8.
  auto spend = RunQuery(Spec(QueryKind::kSpend, 1e5), data, Domain(), source);
  ASSERT_TRUE(spend.ok());
  EXPECT_NEAR(Find(*spend, "channel=web", "mean_spend")->value, 7.5, 0.1);
  const ReleasedNumber* p50 = Find(*spend, "channel=web", "p50");
  ASSERT_NE(p50, nullptr);
  EXPECT_LE(p50->low, 7.5);
  EXPECT_GE(p50->high, 7.5);
  EXPECT_NEAR(p50->value, 7.5, 2);  // one bucket is 1.95 wide
  auto mix = RunQuery(Spec(QueryKind::kChannelMix), data, Domain(), source);
  ASSERT_TRUE(mix.ok());
  EXPECT_NEAR(Find(*mix, "channel=web", "share")->value, 0.8, 0.01);
  EXPECT_NEAR(Find(*mix, "fulfilment=in_store", "share")->value, 1.0, 0.02);
  auto repeat = RunQuery(Spec(QueryKind::kRepeatRate), data, Domain(), source);
  ASSERT_TRUE(repeat.ok());
  EXPECT_NEAR(Find(*repeat, "category=bakery", "repeat_rate")->value, 0.0, 0.02);
  EXPECT_NEAR(Find(*repeat, "category=home", "buyers")->value, 100, 1);
}

TEST(Queries, CategoryTrendsCoverEveryCategoryAndWeekOfThePeriod) {
  Dataset data;
  Add(data, 30, {MakeOrder({{"bread", 1}})});
  SeededRandomSource source(6);
  auto a = RunQuery(Spec(QueryKind::kCategoryTrends), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  // November 2026 touches ISO weeks 44 to 49: 6 weeks x 4 categories x 2.
  EXPECT_EQ(a->numbers.size(), 48u);
  EXPECT_NEAR(Find(*a, "category=bakery week=2026-W45", "buyers")->value, 30, 1);
}

TEST(Queries, AnswersAreJsonWithAnIntervalPerNumber) {
  Dataset data;
  Add(data, 300, {MakeOrder({{"bread", 1}})});
  SeededRandomSource source(7);
  auto a = RunQuery(Spec(QueryKind::kTopProducts, 0.02), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  const std::string json = AnswerToJson(*a);
  ASSERT_FALSE(parser.parse(json).get(doc)) << json;
  EXPECT_EQ(std::string(doc["query"]["query"].get_string().value()), "top_products");
  EXPECT_EQ(doc["numbers"].get_array().size(), 2u);  // bread alone is over the floor
  EXPECT_EQ(doc["numbers"].at(0)["ci95"].get_array().size(), 2u);
  EXPECT_DOUBLE_EQ(doc["cost"]["rho"].get_double().value(), 0.02);
  EXPECT_DOUBLE_EQ(doc["cost"]["delta"].get_double().value(), 1e-9);
  // A withheld number has no value and no interval: 30 shoppers, under the
  // floor at this cost.
  data.resize(30);
  a = RunQuery(Spec(QueryKind::kRepeatRate, 0.02), data, Domain(), source);
  ASSERT_TRUE(a.ok());
  ASSERT_FALSE(parser.parse(AnswerToJson(*a)).get(doc));
  simdjson::dom::element first = doc["numbers"].at(0);
  EXPECT_TRUE(first["value"].is_null());
  EXPECT_TRUE(first["ci95"].is_null());
  EXPECT_TRUE(first["withheld"].get_bool().value());
}

TEST(Queries, AWholeQueryPassesTheDpTesterOnNeighbouringDataSets) {
  // D: 200 shoppers who bought bread (far over the floor); D': one more, who
  // bought bread 40 times. Released buyers of bread: sigma^2 = 5 / (2 * 0.25) = 10.
  Dataset d;
  Add(d, 200, {MakeOrder({{"bread", 1}})});
  Dataset d2 = d;
  Add(d2, 1, {MakeOrder({{"bread", 40}}), MakeOrder({{"bread", 2}})});
  PublicDomain one = Domain();
  one.products = {"bread"};
  SeededRandomSource source(8);
  auto draw = [&](bool neighbour) {
    auto a = RunQuery(Spec(QueryKind::kTopProducts, 0.5), neighbour ? d2 : d, one, source);
    return a->numbers.empty() ? -1 : int64_t(a->numbers[0].value);
  };
  const double s2 = 10;
  auto pmf = [&](int64_t z) {
    double total = 0;
    for (int64_t v = -100; v <= 100; ++v) total += std::exp(-double(v) * v / (2 * s2));
    return std::exp(-double(z) * z / (2 * s2)) / total;
  };
  const double eps = 0.25;
  const double delta = testing::ExactDelta(pmf, 100, 1, eps);
  auto check = testing::CheckApproximateDp(draw, 6000, eps, delta, 0.00025);
  RecordProperty("excess", std::to_string(check.excess) + " threshold " + std::to_string(check.threshold));
  EXPECT_TRUE(check.passes()) << check.excess << " > " << check.threshold;
}

}  // namespace
}  // namespace confide::analytics
