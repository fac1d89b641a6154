#include "recommend/repurchase.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace confide {
namespace {

float Median(std::vector<float>& v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

float Days(Micros t) { return static_cast<float>(static_cast<double>(t) / kMicrosPerDay); }

}  // namespace

Repurchase Repurchase::Fit(const TrainingSet& set, const RepurchaseOptions& options,
                           std::span<const uint32_t> item_category) {
  uint32_t n = set.items.size();
  std::vector<std::vector<float>> gaps(n);
  std::vector<uint32_t> buyers(n), repeaters(n);
  std::unordered_map<uint32_t, std::pair<Micros, uint32_t>> seen;  // item -> last time, count
  for (const Activity& a : set.activities) {
    seen.clear();
    for (const Basket& b : a.baskets) {
      for (uint32_t item : b.items) {
        auto [it, first] = seen.try_emplace(item, b.time, 0);
        if (!first) gaps[item].push_back(Days(b.time - it->second.first));
        it->second.first = b.time;
        ++it->second.second;
      }
    }
    for (const auto& [item, last_count] : seen) {
      ++buyers[item];
      if (last_count.second > 1) ++repeaters[item];
    }
  }
  // Each category's pooled rate: the prior of its items' rates.
  auto category = [&](uint32_t i) -> uint32_t { return i < item_category.size() ? item_category[i] : 0; };
  std::unordered_map<uint32_t, std::pair<double, double>> pooled;  // category -> buyers, repeaters
  for (uint32_t i = 0; i < n; ++i) {
    auto& [b, rep] = pooled[category(i)];
    b += buyers[i];
    rep += repeaters[i];
  }
  Repurchase r;
  r.options_ = options;
  r.interval_days_.resize(n);
  r.repeat_rate_.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    r.interval_days_[i] = Median(gaps[i]);
    const auto& [b, rep] = pooled[category(i)];
    const double prior = b > 0 ? rep / b : 0;
    const double m = std::max(options.prior_buyers, 0.0);
    const double denominator = buyers[i] + m;
    double rate = denominator > 0 ? (repeaters[i] + m * prior) / denominator : 0;
    // A category its buyers rarely buy again is durable as a whole: the few
    // who bought a laptop twice (a replacement, a gift) make no consumable.
    if (prior < options.min_repeat_rate) rate = std::min(rate, prior);
    r.repeat_rate_[i] = static_cast<float>(rate);
  }
  return r;
}

std::vector<RepurchaseSignal> Repurchase::Signals(const Activity& shopper, Micros now) const {
  struct Acc {
    double weight = 0;
    double recent = 0;
    uint32_t count = 0;
    Micros last = 0;
    Micros first = 0;
  };
  std::unordered_map<uint32_t, Acc> acc;
  double total = 0, w = 1, recent_total = 0, r = 1;
  for (size_t b = shopper.baskets.size(); b-- > 0; w *= options_.basket_decay, r *= 0.5) {
    const Basket& basket = shopper.baskets[b];
    total += w;
    recent_total += r;
    for (uint32_t item : basket.items) {
      Acc& a = acc[item];
      a.weight += w;
      a.recent += r;
      if (a.count++ == 0) a.last = basket.time;
      a.first = basket.time;
    }
  }
  std::vector<RepurchaseSignal> signals;
  signals.reserve(acc.size());
  for (const auto& [item, a] : acc) {
    RepurchaseSignal s;
    s.item = item;
    s.count = a.count;
    s.frequency = static_cast<float>(a.weight / total);
    s.recent = static_cast<float>(a.recent / recent_total);
    s.share = static_cast<float>(a.count) / static_cast<float>(shopper.baskets.size());
    s.in_last = a.last == shopper.baskets.back().time;
    s.repeat_rate = RepeatRate(item);
    s.repeatable = Repeatable(item);
    // The shopper's own mean gap once they have bought it three times, else
    // the item's typical interval, else their mean gap between baskets.
    float interval = 0;
    if (a.count >= 3) {
      interval = Days(a.last - a.first) / static_cast<float>(a.count - 1);
    } else if (IntervalDays(item) > 0) {
      interval = IntervalDays(item);
    } else if (shopper.baskets.size() > 1) {
      interval = Days(shopper.baskets.back().time - shopper.baskets.front().time) /
                 static_cast<float>(shopper.baskets.size() - 1);
    }
    float since = std::max(Days(now - a.last), 0.0f);
    s.due = interval > 0 ? std::exp(-std::fabs(std::log((since + 1.0f) / (interval + 1.0f)))) : 0.0f;
    signals.push_back(s);
  }
  std::sort(signals.begin(), signals.end(), [](const auto& x, const auto& y) { return x.item < y.item; });
  return signals;
}

std::vector<Scored> Repurchase::Recommend(const Activity& shopper, Micros now, size_t n) const {
  std::vector<Scored> scored;
  for (const auto& s : Signals(shopper, now))
    if (s.repeatable) scored.push_back({s.item, s.frequency * (1.0f + s.due) / 2});
  KeepTop(scored, n);
  return scored;
}

void Repurchase::Serialize(std::string& out) const {
  ModelWriter w(out);
  w.Str("repurchase/2");
  w.F64(options_.basket_decay);
  w.F64(options_.min_repeat_rate);
  w.Array(std::span<const float>(interval_days_));
  w.Array(std::span<const float>(repeat_rate_));
}

Result<Repurchase> Repurchase::Deserialize(std::string_view in) {
  ModelReader r(in);
  Repurchase m;
  std::string tag;
  // Version 1 had no threshold: its models keep the default.
  if (!(r.Str(tag) && (tag == "repurchase/1" || tag == "repurchase/2") && r.F64(m.options_.basket_decay) &&
        (tag == "repurchase/1" || r.F64(m.options_.min_repeat_rate)) && r.Array(m.interval_days_) &&
        r.Array(m.repeat_rate_) && r.done() && m.interval_days_.size() == m.repeat_rate_.size())) {
    return Status(Code::kDataLoss, "repurchase model: malformed");
  }
  return m;
}

}  // namespace confide
