// Queries over orders: basket_size, spend and channel_mix. A shopper adds
// at most kOrdersPerShopper orders, sampled at random among theirs.
#include <algorithm>
#include <array>
#include <cmath>

#include "analytics/query_parts.h"
#include "analytics/shopper_floor.h"

namespace confide::analytics::internal {

namespace {

constexpr int64_t kOrdersPerShopper = 3;
constexpr int64_t kBasketBuckets = 11;     // 1, 2, ..., 10, 11 or more items
constexpr int64_t kMaxItemsPerOrder = 50;  // clamp of an order's items in the mean
constexpr int64_t kMaxSpend = 50'000;      // clamp of an order's spend: 500.00
constexpr int kSpendDepth = 8;             // 256 leaves of 500.00 / 256 each
constexpr double kQuantiles[] = {0.25, 0.5, 0.75, 0.9};
constexpr const char* kQuantileNames[] = {"p25", "p50", "p75", "p90"};

std::string OrdersText() { return "Linf=" + std::to_string(kOrdersPerShopper) + " orders per shopper"; }

// Sensitivity of a vector of per-partition order counts when each shopper
// adds at most kOrdersPerShopper orders, possibly all to one partition.
Sensitivity OrderCounts(int64_t per_order_nodes = 1) {
  const uint64_t k = kOrdersPerShopper;
  return {k * uint64_t(per_order_nodes), (unsigned __int128)(k * k) * uint64_t(per_order_nodes), k};
}

// Distinct shoppers per partition: a shopper's partitions are marked in a
// bit set, then counted once.
void CountShopper(uint32_t touched, std::vector<int64_t>& shoppers) {
  for (size_t p = 0; p < shoppers.size(); ++p) shoppers[p] += (touched >> p) & 1;
}

// Fulfilment of an order a store handled, or -1.
int Fulfilment(const Order& o) {
  if (o.store_id.empty()) return -1;
  if (o.channel == Channel::kStore) return 0;  // bought in the store
  return o.picked_up ? 1 : 2;                  // collected in store / shipped from it
}

}  // namespace

Result<Answer> BasketSize(const QuerySpec& spec, const Dataset& data, const PublicDomain&, RandomSource& source) {
  std::vector<int64_t> histogram(kBasketBuckets, 0), bucket_shoppers(kBasketBuckets, 0);
  int64_t items_sum = 0, shoppers = 0;
  for (const ShopperOrders& s : data) {
    uint32_t touched = 0;
    for (const Order* o : SampledOrders(spec, s, kOrdersPerShopper, source)) {
      int64_t items = 0;
      for (const OrderLine& l : o->lines) if (LinePasses(spec, l)) items += l.quantity;
      const size_t bucket = size_t(std::clamp<int64_t>(items, 1, kBasketBuckets) - 1);
      ++histogram[bucket];
      touched |= 1u << bucket;
      items_sum += std::clamp<int64_t>(items, 1, kMaxItemsPerOrder);
    }
    CountShopper(touched, bucket_shoppers);
    shoppers += touched != 0;
  }
  auto hist = Release::Gaussian(OrderCounts(), L2Text(OrderCounts().l2_squared, OrdersText()), Share(spec, 2));
  const uint64_t per = kOrdersPerShopper * kMaxItemsPerOrder;
  auto sum = Release::Gaussian({per, (unsigned __int128)per * per, per},
                               L2Text((unsigned __int128)per * per, OrdersText() + ", items clamped to [1, 50]"),
                               Share(spec, 2));
  if (!hist.ok()) return hist.status();
  if (!sum.ok()) return sum.status();
  // The buckets, and the whole (tested on the sum of the noised buckets).
  const double sigma = MechanismParameter(hist->mechanism());
  const ShopperFloor bucket_floor(kOrdersPerShopper, sigma, kBasketBuckets + 1);
  const ShopperFloor whole_floor(kOrdersPerShopper, sigma * std::sqrt(double(kBasketBuckets)), kBasketBuckets + 1);
  Answer a;
  NoisedInt orders;
  double variance = 0;
  for (int64_t b = 0; b < kBasketBuckets; ++b) {
    const NoisedInt n = hist->Noise(histogram[size_t(b)], source);
    orders.value += n.value;
    variance += n.stddev * n.stddev;
    const std::string label = b + 1 == kBasketBuckets ? "items=11+" : "items=" + std::to_string(b + 1);
    a.numbers.push_back(ShopperFloor::Apply(bucket_floor.Shows(bucket_shoppers[size_t(b)], n.value),
                                            hist->Number(label, "orders", n)));
  }
  orders.stddev = std::sqrt(variance);
  const NoisedInt noised_sum = sum->Noise(items_sum, source);
  const bool whole = whole_floor.Shows(shoppers, orders.value);
  a.numbers.push_back(ShopperFloor::Apply(whole, sum->Number("", "items", noised_sum)));
  a.numbers.push_back(ShopperFloor::Apply(whole, Ratio("", "mean_items", noised_sum, orders, 1, kMaxItemsPerOrder)));
  a.notes.push_back(OrdersText() + "; the mean divides the noised items by the sum of the noised buckets.");
  a.notes.push_back(bucket_floor.Note("orders") + " The whole's floor, on the sum of the noised buckets, is " +
                    std::to_string(whole_floor.threshold()) + ".");
  return a;
}

Result<Answer> Spend(const QuerySpec& spec, const Dataset& data, const PublicDomain&, RandomSource& source) {
  const size_t leaves = size_t(1) << kSpendDepth;
  std::array<int64_t, kChannelCount> counts{}, sums{};
  std::vector<int64_t> channel_shoppers(kChannelCount, 0);
  std::array<std::vector<int64_t>, kChannelCount> trees;
  for (auto& t : trees) t.assign(leaves, 0);
  for (const ShopperOrders& s : data) {
    uint32_t touched = 0;
    for (const Order* o : SampledOrders(spec, s, kOrdersPerShopper, source)) {
      int64_t amount = 0;
      for (const OrderLine& l : o->lines) if (LinePasses(spec, l)) amount += l.amount;
      amount = std::clamp<int64_t>(amount, 0, kMaxSpend);
      const size_t c = size_t(o->channel);
      ++counts[c];
      sums[c] += amount;
      ++trees[c][std::min(leaves - 1, size_t(amount * int64_t(leaves) / kMaxSpend))];
      touched |= 1u << c;
    }
    CountShopper(touched, channel_shoppers);
  }
  const uint64_t per = kOrdersPerShopper * kMaxSpend;
  const std::string clamp = ", spend per order clamped to [0, 500.00]";
  auto count = Release::Gaussian(OrderCounts(), L2Text(OrderCounts().l2_squared, OrdersText()), Share(spec, 3));
  auto sum = Release::Gaussian({per, (unsigned __int128)per * per, per},
                               L2Text((unsigned __int128)per * per, OrdersText() + clamp), Share(spec, 3));
  auto tree = Release::Gaussian(OrderCounts(kSpendDepth + 1),
                                L2Text(OrderCounts(kSpendDepth + 1).l2_squared, OrdersText() + ", 9 tree levels"),
                                Share(spec, 3));
  if (!count.ok()) return count.status();
  if (!sum.ok()) return sum.status();
  if (!tree.ok()) return tree.status();
  const ShopperFloor shopper_floor(kOrdersPerShopper, MechanismParameter(count->mechanism()), kChannelCount);
  Answer a;
  const double leaf_width = double(kMaxSpend) / double(leaves) / 100.0;
  for (size_t c = 0; c < kChannelCount; ++c) {
    if (spec.channel && size_t(*spec.channel) != c) continue;
    const std::string group = std::string("channel=") + ChannelName(Channel(c));
    const NoisedInt n = count->Noise(counts[c], source), total = sum->Noise(sums[c], source);
    const bool shown = shopper_floor.Shows(channel_shoppers[c], n.value);
    a.numbers.push_back(ShopperFloor::Apply(shown, count->Number(group, "orders", n)));
    ReleasedNumber mean = Ratio(group, "mean_spend", total, n, 0, kMaxSpend);
    mean.value /= 100, mean.low /= 100, mean.high /= 100;
    a.numbers.push_back(ShopperFloor::Apply(shown, mean));
    const ReleaseTree noised(trees[c], *tree, source);
    for (size_t q = 0; q < 4; ++q) {
      const ReleaseTree::Quantile at = noised.At(kQuantiles[q]);
      ReleasedNumber r = tree->Number(group, kQuantileNames[q], {});
      r.mechanism = "derived";  // a walk down the noised tree, whose sigma is shown
      r.sensitivity = "the tree's: " + r.sensitivity;
      r.value = (double(at.leaf) + 0.5) * leaf_width;
      r.low = double(at.low_leaf) * leaf_width;
      r.high = double(at.high_leaf + 1) * leaf_width;
      a.numbers.push_back(ShopperFloor::Apply(shown, r));
    }
  }
  a.notes.push_back(OrdersText() + clamp + "; amounts in the region's currency; quantiles from a noised tree of " +
                    std::to_string(leaves) + " buckets, with approximate intervals.");
  a.notes.push_back(shopper_floor.Note("orders"));
  return a;
}

Result<Answer> ChannelMix(const QuerySpec& spec, const Dataset& data, const PublicDomain&, RandomSource& source) {
  std::vector<int64_t> by_channel(kChannelCount, 0), by_fulfilment(3, 0);
  std::vector<int64_t> channel_shoppers(kChannelCount, 0), fulfilment_shoppers(3, 0);
  for (const ShopperOrders& s : data) {
    uint32_t channels = 0, fulfilments = 0;
    for (const Order* o : SampledOrders(spec, s, kOrdersPerShopper, source)) {
      ++by_channel[size_t(o->channel)];
      channels |= 1u << size_t(o->channel);
      if (const int f = Fulfilment(*o); f >= 0) ++by_fulfilment[size_t(f)], fulfilments |= 1u << f;
    }
    CountShopper(channels, channel_shoppers);
    CountShopper(fulfilments, fulfilment_shoppers);
  }
  auto channels = Release::Gaussian(OrderCounts(), L2Text(OrderCounts().l2_squared, OrdersText()), Share(spec, 2));
  auto fulfilments = Release::Gaussian(OrderCounts(), L2Text(OrderCounts().l2_squared, OrdersText()), Share(spec, 2));
  if (!channels.ok()) return channels.status();
  if (!fulfilments.ok()) return fulfilments.status();
  const ShopperFloor shopper_floor(kOrdersPerShopper, MechanismParameter(channels->mechanism()), kChannelCount + 3);
  Answer a;
  auto shares = [&](const Release& r, const std::vector<std::string>& names, const std::vector<int64_t>& exact,
                    const std::vector<int64_t>& shoppers) {
    // A share is of the shown partitions' orders: a total over the withheld
    // ones too would give their noised orders away by subtraction.
    std::vector<NoisedInt> noised;
    std::vector<bool> shown;
    NoisedInt total;
    double variance = 0;
    for (size_t i = 0; i < exact.size(); ++i) {
      noised.push_back(r.Noise(exact[i], source));
      shown.push_back(shopper_floor.Shows(shoppers[i], noised.back().value));
      if (!shown.back()) continue;
      total.value += noised.back().value;
      variance += noised.back().stddev * noised.back().stddev;
    }
    total.stddev = std::sqrt(variance);
    for (size_t i = 0; i < names.size(); ++i) {
      a.numbers.push_back(ShopperFloor::Apply(shown[i], r.Number(names[i], "orders", noised[i])));
      a.numbers.push_back(ShopperFloor::Apply(shown[i], Ratio(names[i], "share", noised[i], total, 0, 1)));
    }
  };
  std::vector<std::string> names;
  for (size_t c = 0; c < kChannelCount; ++c) names.push_back(std::string("channel=") + ChannelName(Channel(c)));
  shares(*channels, names, by_channel, channel_shoppers);
  shares(*fulfilments, {"fulfilment=in_store", "fulfilment=pickup_in_store", "fulfilment=ship_from_store"},
         by_fulfilment, fulfilment_shoppers);
  a.notes.push_back(OrdersText() + "; store fulfilments are orders with a store: bought there, bought online and "
                    "collected there (a pickup), or bought online and sent from it; a share is of the orders of the shown "
                    "channels (or fulfilments).");
  a.notes.push_back(shopper_floor.Note("orders"));
  return a;
}

}  // namespace confide::analytics::internal
