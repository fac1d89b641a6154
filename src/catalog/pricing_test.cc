#include "catalog/pricing.h"

#include <gtest/gtest.h>

#include "store/scratch_store.h"

namespace confide {
namespace {

Record Make(std::initializer_list<std::pair<const char*, const char*>> fields) {
  Record r;
  for (auto [k, v] : fields) r.Add(k, v);
  return r;
}

PriceRule Rule(std::initializer_list<std::pair<const char*, const char*>> fields) {
  auto r = PriceRuleFromRecord(Make(fields));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : PriceRule{};
}

const Micros kT0 = *ParseRfc3339("2026-03-01T00:00:00Z");
const Micros kNow = *ParseRfc3339("2026-06-01T00:00:00Z");

Product Milk() {
  Product p;
  p.id = "milk";
  p.title = "Milk";
  p.price = 2'000'000;
  return p;
}

TEST(PriceRules, FieldsAreCheckedAndNamed) {
  struct Case {
    std::initializer_list<std::pair<const char*, const char*>> fields;
    const char* field;
  };
  for (const auto& c : {
           Case{{{"product_id", "milk"}, {"price", "1"}}, "id"},
           Case{{{"id", "r"}, {"price", "1"}}, "product_id"},
           Case{{{"id", "r"}, {"product_id", "milk"}}, "price"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"price", "-1"}}, "price"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"price", "1"}, {"kind", "sale"}}, "kind"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"price", "1"}, {"channel", "fax"}}, "channel"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"price", "1"}, {"store_id", "s1"}, {"channel", "web"}}, "channel"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"kind", "promotion"}}, "percent_off"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"kind", "promotion"}, {"percent_off", "100"}}, "percent_off"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"kind", "promotion"}, {"percent_off", "5"}, {"price", "1"}},
                "percent_off"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"price", "1"}, {"starts", "yesterday"}}, "starts"},
           Case{{{"id", "r"}, {"product_id", "milk"}, {"price", "1"}, {"starts", "2026-01-02T00:00:00Z"},
                 {"ends", "2026-01-01T00:00:00Z"}},
                "ends"},
       }) {
    auto r = PriceRuleFromRecord(Make(c.fields));
    ASSERT_FALSE(r.ok()) << c.field;
    EXPECT_EQ(r.status().field(), c.field);
  }
}

TEST(QuotePrice, ListPriceWithoutRules) {
  Quote q = QuotePrice(Milk(), {}, {Channel::kApp, "", kNow});
  EXPECT_EQ(q.price, 2'000'000);
  EXPECT_EQ(q.list_price, 2'000'000);
  EXPECT_EQ(q.since, 0);
}

TEST(QuotePrice, StoreOverrideAppliesOnlyInThatStore) {
  std::vector<PriceRule> rules = {
      Rule({{"id", "s1-price"}, {"product_id", "milk"}, {"store_id", "s1"}, {"price", "1.8"},
            {"starts", "2026-03-01T00:00:00Z"}})};
  EXPECT_EQ(QuotePrice(Milk(), rules, {Channel::kStore, "s1", kNow}).price, 1'800'000);
  EXPECT_EQ(QuotePrice(Milk(), rules, {Channel::kStore, "s1", kNow}).since, kT0);
  EXPECT_EQ(QuotePrice(Milk(), rules, {Channel::kStore, "s2", kNow}).price, 2'000'000);
  EXPECT_EQ(QuotePrice(Milk(), rules, {Channel::kWeb, "s1", kNow}).price, 2'000'000) << "web sales are not the store's";
  EXPECT_EQ(QuotePrice(Milk(), rules, {Channel::kStore, "s1", kT0 - 1}).price, 2'000'000) << "not yet in effect";
}

TEST(QuotePrice, MostSpecificScopedPriceWinsThenPromotionOnTop) {
  std::vector<PriceRule> rules = {
      Rule({{"id", "store-ch"}, {"product_id", "milk"}, {"channel", "store"}, {"price", "2.2"}}),
      Rule({{"id", "s1"}, {"product_id", "milk"}, {"store_id", "s1"}, {"price", "1.9"}}),
      Rule({{"id", "promo"}, {"product_id", "milk"}, {"kind", "promotion"}, {"percent_off", "10"},
            {"starts", "2026-05-01T00:00:00Z"}, {"ends", "2026-07-01T00:00:00Z"}}),
      Rule({{"id", "app-promo"}, {"product_id", "milk"}, {"kind", "promotion"}, {"channel", "app"}, {"price", "1.5"}}),
      Rule({{"id", "other"}, {"product_id", "bread"}, {"price", "0.5"}}),
  };
  Quote s1 = QuotePrice(Milk(), rules, {Channel::kStore, "s1", kNow});
  EXPECT_EQ(s1.price_rule, "s1");
  EXPECT_EQ(s1.promotion, "promo");
  EXPECT_EQ(s1.price, 1'710'000);
  Quote s2 = QuotePrice(Milk(), rules, {Channel::kStore, "s2", kNow});
  EXPECT_EQ(s2.price_rule, "store-ch");
  EXPECT_EQ(s2.price, 1'980'000);
  Quote app = QuotePrice(Milk(), rules, {Channel::kApp, "", kNow});
  EXPECT_EQ(app.promotion, "app-promo") << "the lowest promotion wins; promotions do not stack";
  EXPECT_EQ(app.price, 1'500'000);
  Quote web_later = QuotePrice(Milk(), rules, {Channel::kWeb, "", *ParseRfc3339("2026-08-01T00:00:00Z")});
  EXPECT_EQ(web_later.price, 2'000'000) << "the promotion ended";
}

class PriceListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = std::make_unique<Catalog>(*store_);
    Product bread = Milk();
    bread.id = "bread";
    bread.price = 1'000'000;
    Product flat = Milk();
    flat.id = "flat";
    ASSERT_TRUE(catalog_->PutProducts({Milk(), bread, flat}).ok());
  }
  ScratchStore store_;
  std::unique_ptr<Catalog> catalog_;
};

// A damaged row is refused: a percentage over 100 would wrap the
// discounted price, and a price past int64 would turn negative.
TEST_F(PriceListTest, AStoredRuleWithAnImpossiblePercentOrPriceIsDataLoss) {
  PriceList prices(*store_);
  ASSERT_TRUE(prices.Put({Rule({{"id", "p"}, {"product_id", "milk"}, {"kind", "promotion"}, {"percent_off", "50"}})}, kT0).ok());
  std::string key, row;
  ASSERT_TRUE(store_->ScanPrefix(Family::kPrices, "", [&](std::string_view k, std::string_view v) {
    key = k, row = v;
    return false;
  }).ok());
  ASSERT_EQ(row[4], 50) << "the percentage's varint, after kind, store length, channel and a zero price";
  for (const std::string& damaged : {row.substr(0, 4) + "\xff\xff\xff\xff\x0f" + row.substr(5),
                                     row.substr(0, 3) + "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01" + row.substr(4)}) {
    WriteBatch batch;
    batch.Put(Family::kPrices, key, damaged);
    ASSERT_TRUE(store_->Write(batch).ok());
    EXPECT_EQ(prices.RulesOf("milk").status().code(), Code::kDataLoss);
  }
}

TEST_F(PriceListTest, StoredRulesRoundTripAndReplaceById) {
  PriceList prices(*store_);
  ASSERT_TRUE(prices.Put({Rule({{"id", "a"}, {"product_id", "milk"}, {"channel", "web"}, {"price", "1.5"}})}, kT0).ok());
  ASSERT_TRUE(prices.Put({Rule({{"id", "a"}, {"product_id", "milk"}, {"channel", "web"}, {"price", "1.7"}}),
                          Rule({{"id", "p"}, {"product_id", "milk"}, {"kind", "promotion"}, {"percent_off", "50"},
                                {"store_id", "s1"}, {"ends", "2027-01-01T00:00:00Z"}})},
                         kT0 + 5)
                  .ok());
  auto rules = prices.RulesOf("milk");
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].price, 1'700'000);
  EXPECT_EQ((*rules)[0].recorded, kT0 + 5);
  EXPECT_EQ((*rules)[1].percent_off, 50u);
  EXPECT_EQ((*rules)[1].store_id, "s1");
  auto quote = prices.QuoteFor(*catalog_, "milk", {Channel::kWeb, "", kNow});
  ASSERT_TRUE(quote.ok());
  EXPECT_EQ(quote->price, 1'700'000);
  EXPECT_EQ(prices.QuoteFor(*catalog_, "none", {}).status().code(), Code::kNotFound);
  auto book = PriceBook::Load(prices);
  ASSERT_TRUE(book.ok());
  EXPECT_EQ(book->For(Milk(), {Channel::kStore, "s1", kNow}).price, 1'000'000);
}

TEST_F(PriceListTest, RulesReadFromMemoryFollowWritesAndMatchTheStore) {
  PriceList prices(*store_);
  ASSERT_TRUE(prices.Put({Rule({{"id", "b"}, {"product_id", "milk"}, {"channel", "web"}, {"price", "1.5"}})}, kT0).ok());
  ASSERT_EQ(prices.RulesOf("milk")->size(), 1u);  // memory filled from the store here
  ASSERT_TRUE(prices.Put({Rule({{"id", "a"}, {"product_id", "milk"}, {"channel", "app"}, {"price", "1.2"}}),
                          Rule({{"id", "b"}, {"product_id", "milk"}, {"channel", "web"}, {"price", "1.4"}}),
                          Rule({{"id", "c"}, {"product_id", "bread"}, {"channel", "web"}, {"price", "0.9"}})},
                         kT0 + 1)
                  .ok());
  EXPECT_EQ(prices.QuoteFor(*catalog_, "milk", {Channel::kWeb, "", kNow})->price, 1'400'000);
  EXPECT_EQ(prices.QuoteFor(*catalog_, "bread", {Channel::kWeb, "", kNow})->price, 900'000);
  PriceList fresh(*store_);  // what the store holds, in the same order
  auto held = prices.RulesOf("milk"), stored = fresh.RulesOf("milk");
  ASSERT_EQ(held->size(), 2u);
  ASSERT_EQ(stored->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*held)[i].id, (*stored)[i].id);
    EXPECT_EQ((*held)[i].price, (*stored)[i].price);
  }
  EXPECT_EQ((*held)[0].id, "a");
}

TEST_F(PriceListTest, ConsistencyReportNamesDifferingProductsWithAmountAndSince) {
  PriceList prices(*store_);
  ASSERT_TRUE(prices.Put({Rule({{"id", "s1"}, {"product_id", "milk"}, {"store_id", "s1"}, {"price", "1.8"},
                                {"starts", "2026-04-01T00:00:00Z"}}),
                          Rule({{"id", "web-promo"}, {"product_id", "bread"}, {"kind", "promotion"}, {"channel", "web"},
                                {"percent_off", "20"}, {"starts", "2026-05-01T00:00:00Z"}}),
                          Rule({{"id", "all-promo"}, {"product_id", "flat"}, {"kind", "promotion"},
                                {"percent_off", "20"}, {"starts", "2026-05-01T00:00:00Z"}})},
                         kT0)
                  .ok());
  auto report = PriceConsistencyReport(*catalog_, prices, kNow);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->size(), 2u) << "a promotion for every channel is consistent";
  const PriceInconsistency& bread = (*report)[0];
  EXPECT_EQ(bread.product_id, "bread");
  EXPECT_EQ(bread.max_price - bread.min_price, 200'000);
  EXPECT_EQ(bread.since, *ParseRfc3339("2026-05-01T00:00:00Z"));
  const PriceInconsistency& milk = (*report)[1];
  EXPECT_EQ(milk.product_id, "milk");
  EXPECT_EQ(milk.min_price, 1'800'000);
  EXPECT_EQ(milk.max_price, 2'000'000);
  EXPECT_EQ(milk.since, *ParseRfc3339("2026-04-01T00:00:00Z"));
  bool s1_listed = false;
  for (const auto& v : milk.variants) s1_listed |= v.store_id == "s1" && v.quote.price == 1'800'000;
  EXPECT_TRUE(s1_listed);
  auto before = PriceConsistencyReport(*catalog_, prices, kT0);
  ASSERT_TRUE(before.ok());
  EXPECT_TRUE(before->empty()) << "nothing was in effect yet";
}

}  // namespace
}  // namespace confide
