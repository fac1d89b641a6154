#include "journeys/replenishment.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "recommend/model_set.h"

namespace confide {
namespace {

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(mid))) / 2;
  return m;
}

struct Occasion {
  int64_t day = 0;
  Micros time = 0;
  int64_t quantity = 0;
};

}  // namespace

std::vector<DueItem> PredictReplenishment(std::span<const Event> history, Micros now, const CyclePrior& item_cycle,
                                          const ReplenishmentConfig& config) {
  // Purchase occasions per product, and the shopper's purchase days.
  std::map<std::string, std::vector<Occasion>> by_product;
  std::vector<int64_t> days;
  for (const Event& e : history) {
    if (e.type != EventType::kPurchase || e.product_id.empty() || e.timestamp > now) continue;
    int64_t day = e.timestamp / kMicrosPerDay - (e.timestamp < 0 && e.timestamp % kMicrosPerDay ? 1 : 0);
    std::vector<Occasion>& occ = by_product[e.product_id];
    int64_t q = std::max<int64_t>(e.quantity, 1);
    if (!occ.empty() && occ.back().day == day) {
      occ.back().quantity += q;
      occ.back().time = std::max(occ.back().time, e.timestamp);
    } else {
      occ.push_back({day, e.timestamp, q});
    }
    if (days.empty() || days.back() != day) days.push_back(day);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  std::vector<double> shopper_gaps;
  for (size_t i = 1; i < days.size(); ++i) shopper_gaps.push_back(static_cast<double>(days[i] - days[i - 1]));
  const double shopper_cycle = Median(shopper_gaps);

  std::vector<DueItem> out;
  for (auto& [product, occ] : by_product) {
    std::sort(occ.begin(), occ.end(), [](const Occasion& a, const Occasion& b) { return a.day < b.day; });
    if (occ.size() < std::max<uint32_t>(config.min_purchases, 2)) continue;
    std::vector<double> gaps, quantities;
    for (size_t i = 1; i < occ.size(); ++i) gaps.push_back(static_cast<double>(occ[i].day - occ[i - 1].day));
    for (const Occasion& o : occ) quantities.push_back(static_cast<double>(o.quantity));
    const double k = static_cast<double>(gaps.size());
    const double median = Median(gaps);
    const ItemCycle cycle = item_cycle ? item_cycle(product) : ItemCycle{};
    if (!cycle.repeatable) continue;
    double prior = cycle.interval_days;
    if (!(prior > 0)) prior = shopper_cycle > 0 ? shopper_cycle : median;
    // History is short under kOwnGaps gaps: lean on the prior.
    constexpr double kOwnGaps = 3;
    const double w = k < kOwnGaps ? config.prior_weight : 0;
    double interval = (k * median + w * prior) / (k + w);
    interval = std::max(interval, 1.0);
    // Regularity: median absolute deviation relative to the median gap;
    // a single gap says nothing about it (taken as 0.5).
    double cv = 0.5;
    if (gaps.size() >= 2) {
      std::vector<double> dev;
      for (double g : gaps) dev.push_back(std::abs(g - median));
      cv = Median(dev) / std::max(median, 1.0);
    }
    double confidence = (k / (k + 1)) * std::exp(-cv);
    DueItem d;
    d.product_id = product;
    d.last_purchase = occ.back().time;
    d.interval_days = interval;
    d.due = (occ.back().day * kMicrosPerDay) + static_cast<Micros>(interval * static_cast<double>(kMicrosPerDay));
    double overdue_cycles = static_cast<double>(now - d.due) / (interval * static_cast<double>(kMicrosPerDay));
    if (overdue_cycles > 1) confidence *= std::exp(-(overdue_cycles - 1));
    d.confidence = std::clamp(confidence, 0.0, 1.0);
    d.quantity = std::max<int64_t>(1, std::llround(Median(quantities)));
    d.occasions = static_cast<uint32_t>(occ.size());
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const DueItem& a, const DueItem& b) {
    return a.due != b.due ? a.due < b.due : a.product_id < b.product_id;
  });
  return out;
}

CyclePrior ItemCyclesOf(const ModelSet* models) {
  if (!models) return {};
  return [models](std::string_view product) {
    auto item = models->items.Find(product);
    if (!item) return ItemCycle{};
    return ItemCycle{models->repurchase.IntervalDays(*item), models->repurchase.Repeatable(*item)};
  };
}

std::vector<DueItem> DueWithin(std::span<const Event> history, Micros now, Micros horizon, const CyclePrior& item_cycle,
                               const ReplenishmentConfig& config) {
  std::vector<DueItem> all = PredictReplenishment(history, now, item_cycle, config);
  std::erase_if(all, [&](const DueItem& d) { return d.due > now + horizon || d.confidence < config.min_confidence; });
  return all;
}

std::optional<Micros> ParseHorizon(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  Micros unit = 0;
  switch (text.back()) {
    case 'h': unit = 3600 * kMicrosPerSecond; break;
    case 'd': unit = kMicrosPerDay; break;
    case 'w': unit = 7 * kMicrosPerDay; break;
    default: return std::nullopt;
  }
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || n <= 0 || n > 365 * 24) return std::nullopt;
  Micros h = n * unit;
  if (h < 3600 * kMicrosPerSecond || h > 365 * kMicrosPerDay) return std::nullopt;
  return h;
}

}  // namespace confide
