#include "journeys/cart.h"

#include <gtest/gtest.h>

#include "journeys/cart_recovery.h"

namespace confide {
namespace {

Event E(EventType type, Micros t, Channel channel, const std::string& product, int64_t quantity = 1) {
  Event e;
  e.type = type;
  e.timestamp = t;
  e.channel = channel;
  e.product_id = product;
  e.quantity = quantity;
  e.id(IdKind::kAnonymous) = "anon-1";
  return e;
}

// Far from any line's age: nothing ages out.
constexpr CartAging kNoAging{};

TEST(DeriveCart, AddsAcrossChannelsAndPurchasesAnywhereCoverLines) {
  std::vector<Event> h = {
      E(EventType::kAddToCart, 1, Channel::kWeb, "tea", 2),
      E(EventType::kAddToCart, 2, Channel::kApp, "milk"),
      E(EventType::kAddToCart, 3, Channel::kApp, "tea", 1),
      E(EventType::kView, 4, Channel::kWeb, "bread"),
  };
  Cart c = DeriveCart(h, kNoAging);
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0].product_id, "tea");
  EXPECT_EQ(c.lines[0].quantity, 3);
  EXPECT_EQ(c.lines[0].channel, Channel::kApp);
  EXPECT_EQ(c.updated, 3);
  EXPECT_EQ(c.channel, Channel::kApp);

  h.push_back(E(EventType::kRemoveFromCart, 5, Channel::kWeb, "tea", 1));
  c = DeriveCart(h, kNoAging);
  EXPECT_EQ(c.lines[0].quantity, 2);
  EXPECT_EQ(c.updated, 5);

  Event bought = E(EventType::kPurchase, 6, Channel::kStore, "tea", 2);
  bought.store_id = "s1";
  h.push_back(bought);
  c = DeriveCart(h, kNoAging);
  ASSERT_EQ(c.lines.size(), 1u) << "bought in a store: off the cart";
  EXPECT_EQ(c.lines[0].product_id, "milk");
  EXPECT_EQ(c.updated, 5) << "a purchase is not a change the shopper made to the cart";

  h.push_back(E(EventType::kRemoveFromCart, 7, Channel::kApp, "milk", 0));
  EXPECT_TRUE(DeriveCart(h, kNoAging).empty());
  EXPECT_EQ(DeriveCart(h, kNoAging).updated, 0);
}

TEST(DeriveCart, BuyingOneOfThreeUnitsLeavesTwo) {
  std::vector<Event> h = {E(EventType::kAddToCart, 1, Channel::kWeb, "tea", 3),
                          E(EventType::kPurchase, 2, Channel::kApp, "tea", 1)};
  Cart c = DeriveCart(h, kNoAging);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].quantity, 2);

  h.push_back(E(EventType::kPurchase, 3, Channel::kWeb, "tea", -1));
  EXPECT_EQ(DeriveCart(h, kNoAging).lines[0].quantity, 2) << "a return puts nothing back in the cart";
  h.push_back(E(EventType::kPurchase, 4, Channel::kWeb, "tea", 5));
  EXPECT_TRUE(DeriveCart(h, kNoAging).empty()) << "buying more than the line holds covers it";
  h.back().quantity = 0;
  EXPECT_TRUE(DeriveCart(h, kNoAging).empty()) << "a purchase of no stated quantity covers the line";
}

TEST(DeriveCart, LinesNotAddedToWithinTheTtlDropOut) {
  const Micros day = kMicrosPerDay;
  std::vector<Event> h = {E(EventType::kAddToCart, 1 * day, Channel::kWeb, "tea", 2),
                          E(EventType::kAddToCart, 20 * day, Channel::kApp, "milk"),
                          E(EventType::kAddToCart, 25 * day, Channel::kApp, "bread")};
  Cart c = DeriveCart(h, {30 * day, 30 * day});
  ASSERT_EQ(c.lines.size(), 3u) << "29 days old: still live";
  c = DeriveCart(h, {31 * day, 30 * day});
  ASSERT_EQ(c.lines.size(), 2u) << "30 days old: gone";
  EXPECT_EQ(c.lines[0].product_id, "milk");
  EXPECT_EQ(c.updated, 25 * day);
  EXPECT_TRUE(DeriveCart(h, {60 * day, 30 * day}).empty());
  EXPECT_EQ(DeriveCart(h, {60 * day, 30 * day}).updated, 0);
  EXPECT_EQ(DeriveCart(h, {60 * day, 0}).lines.size(), 3u) << "ttl 0: lines never age";

  h.push_back(E(EventType::kAddToCart, 35 * day, Channel::kWeb, "tea", 1));
  c = DeriveCart(h, {40 * day, 30 * day});
  ASSERT_EQ(c.lines.size(), 3u);
  EXPECT_EQ(c.lines[2].product_id, "tea") << "an aged line added again starts afresh, last";
  EXPECT_EQ(c.lines[2].quantity, 1) << "without the units that aged out";
}

TEST(AddresseeOf, PrefersTheLatestCustomerId) {
  std::vector<Event> h = {E(EventType::kView, 1, Channel::kWeb, "x"), E(EventType::kView, 2, Channel::kWeb, "x")};
  EXPECT_EQ(AddresseeOf(h).kind, IdKind::kAnonymous);
  h[0].id(IdKind::kCustomer) = "C1";
  Addressee a = AddresseeOf(h);
  EXPECT_EQ(a.kind, IdKind::kCustomer);
  EXPECT_EQ(a.id, "C1");
  EXPECT_TRUE(AddresseeOf({}).id.empty());
}

PricedCart Priced(std::vector<std::tuple<int64_t, int64_t, std::optional<int64_t>>> lines) {
  PricedCart c;
  for (auto [quantity, price, cost] : lines) {
    PricedLine l;
    l.line.quantity = quantity;
    l.unit_price = price;
    l.cost = cost;
    c.lines.push_back(l);
    c.value += quantity * price;
  }
  return c;
}

TEST(IncentiveFor, BandByValueNeverBelowCost) {
  std::vector<IncentiveBand> bands = {{25'000'000, 5}, {100'000'000, 10}};
  EXPECT_EQ(IncentiveFor(Priced({{1, 20'000'000, std::nullopt}}), bands).percent, 0u) << "below every band";
  Incentive mid = IncentiveFor(Priced({{2, 20'000'000, std::nullopt}}), bands);
  EXPECT_EQ(mid.percent, 5u);
  EXPECT_EQ(mid.amount, 2'000'000);
  EXPECT_FALSE(mid.capped_by_cost);
  // 10% of 120 would be 12, but the first line's margin is 2 x 1.
  Incentive capped = IncentiveFor(Priced({{2, 50'000'000, 49'000'000}, {1, 20'000'000, 10'000'000}}), bands);
  EXPECT_EQ(capped.percent, 10u);
  EXPECT_EQ(capped.amount, 2'000'000 + 2'000'000);
  EXPECT_TRUE(capped.capped_by_cost);
  // Sold below cost already: no discount on that line at all.
  EXPECT_EQ(IncentiveFor(Priced({{1, 30'000'000, 40'000'000}}), bands).amount, 0);
  // Amounts round down to cents.
  EXPECT_EQ(IncentiveFor(Priced({{1, 33'333'333, std::nullopt}}), bands).amount, 1'660'000);
}

}  // namespace
}  // namespace confide
