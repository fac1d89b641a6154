#include "recommend/activity.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace confide {
namespace {

constexpr Micros kSessionGap = 30LL * 60 * 1'000'000;

void AddDistinct(std::vector<uint32_t>& items, uint32_t item) {
  if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
}

}  // namespace

uint32_t ItemVocabulary::Intern(std::string_view product_id) {
  auto [it, inserted] = index_.try_emplace(std::string(product_id), size());
  if (inserted) ids_.emplace_back(product_id);
  return it->second;
}

std::optional<uint32_t> ItemVocabulary::Find(std::string_view product_id) const {
  auto it = index_.find(product_id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

namespace {

float WeightOf(const ItemEvent& e, const InteractionWeights& w) {
  float log_quantity = 1.0f + std::log(std::max(e.quantity, 1.0f));
  switch (e.type) {
    case EventType::kView: return w.view;
    case EventType::kSearch: return w.search;
    case EventType::kAddToCart: return w.add_to_cart;
    case EventType::kRemoveFromCart: return w.remove_from_cart;
    case EventType::kPurchase: return w.purchase * log_quantity;
    case EventType::kReturn: return w.return_ * log_quantity;
    case EventType::kPickup: return w.pickup;
    default: return 0.0f;
  }
}

int64_t DayOf(Micros t) { return t >= 0 ? t / kMicrosPerDay : (t + 1) / kMicrosPerDay - 1; }

// Everything but `events` and `stores`, from them.
void Derive(Activity& a, const InteractionWeights& weights, Micros now) {
  std::vector<std::pair<uint32_t, float>> weighted;
  std::map<uint64_t, size_t> basket_of_order;
  std::map<int64_t, size_t> basket_of_day;
  Micros session_end = 0;
  for (const ItemEvent& e : a.events) {
    a.last_event = std::max(a.last_event, e.time);
    float w = WeightOf(e, weights);
    if (w != 0 && weights.half_life_days > 0) {
      double age_days = static_cast<double>(std::max<Micros>(now - e.time, 0)) / kMicrosPerDay;
      w *= static_cast<float>(std::exp2(-age_days / weights.half_life_days));
    }
    if (w != 0) weighted.emplace_back(e.item, w);
    switch (e.type) {
      case EventType::kPurchase: {
        size_t* slot = e.order ? &basket_of_order.try_emplace(e.order, a.baskets.size()).first->second
                               : &basket_of_day.try_emplace(DayOf(e.time), a.baskets.size()).first->second;
        if (*slot == a.baskets.size()) {
          a.baskets.push_back(Basket{e.time, e.store == ItemEvent::kNoStore ? std::string() : a.stores[e.store], {}});
        }
        AddDistinct(a.baskets[*slot].items, e.item);
        std::erase(a.cart, e.item);
        break;
      }
      case EventType::kView:
      case EventType::kAddToCart:
        if (a.sessions.empty() || e.time > session_end) a.sessions.emplace_back();
        session_end = e.time + kSessionGap;
        AddDistinct(a.sessions.back(), e.item);
        if (e.type == EventType::kAddToCart) AddDistinct(a.cart, e.item);
        break;
      case EventType::kRemoveFromCart:
        std::erase(a.cart, e.item);
        break;
      default:
        break;
    }
  }
  std::stable_sort(a.baskets.begin(), a.baskets.end(), [](const Basket& x, const Basket& y) { return x.time < y.time; });
  std::erase_if(a.sessions, [](const auto& s) { return s.size() < 2; });
  // Summed per item, in item order, keeping positive totals.
  std::stable_sort(weighted.begin(), weighted.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t i = 0; i < weighted.size();) {
    uint32_t item = weighted[i].first;
    float total = 0;
    for (; i < weighted.size() && weighted[i].first == item; ++i) total += weighted[i].second;
    if (total > 0) a.preferences.emplace_back(item, total);
  }
}

}  // namespace

Activity BuildActivity(std::span<const Event> events, const InteractionWeights& weights, Micros now,
                       const ItemLookup& item_of) {
  Activity a;
  a.events.reserve(events.size());
  for (const Event& e : events) {
    // What was served, shown and followed measures the models
    // (experiments/); fed back into them, it would teach them their own answers.
    if (MeasuresServing(e.type)) continue;
    a.last_event = std::max(a.last_event, e.timestamp);
    if (e.product_id.empty()) continue;
    auto item = item_of(e.product_id);
    if (!item) continue;
    ItemEvent ie;
    ie.time = e.timestamp;
    ie.order = e.order_id.empty() ? 0 : std::max<uint64_t>(std::hash<std::string>()(e.order_id), 1);
    ie.item = *item;
    ie.type = e.type;
    ie.quantity = static_cast<float>(std::max<int64_t>(e.quantity, 1));
    if (!e.store_id.empty()) {
      auto it = std::find(a.stores.begin(), a.stores.end(), e.store_id);
      if (it == a.stores.end() && a.stores.size() < ItemEvent::kNoStore) it = a.stores.insert(a.stores.end(), e.store_id);
      if (it != a.stores.end()) ie.store = static_cast<uint16_t>(it - a.stores.begin());
    }
    a.events.push_back(ie);
  }
  Derive(a, weights, now);
  return a;
}

Activity Truncated(const Activity& activity, Micros before, const InteractionWeights& weights, Micros now) {
  Activity a;
  a.stores = activity.stores;
  for (const ItemEvent& e : activity.events) {
    if (e.time < before) a.events.push_back(e);
  }
  Derive(a, weights, now);
  return a;
}

Micros ExpectedNextVisit(const Activity& a) {
  if (a.baskets.empty()) return a.last_event;
  Micros gap = 7 * kMicrosPerDay;
  if (a.baskets.size() > 1) {
    std::vector<Micros> gaps;
    for (size_t i = 1; i < a.baskets.size(); ++i) gaps.push_back(a.baskets[i].time - a.baskets[i - 1].time);
    std::nth_element(gaps.begin(), gaps.begin() + static_cast<ptrdiff_t>(gaps.size() / 2), gaps.end());
    gap = gaps[gaps.size() / 2];
  }
  return std::max(a.last_event, a.baskets.back().time + gap);
}

void AddShopper(TrainingSet& set, std::string key, std::span<const Event> events, const InteractionWeights& weights) {
  set.shoppers.push_back(std::move(key));
  set.activities.push_back(BuildActivity(events, weights, set.as_of, [&](std::string_view id) {
    return std::optional<uint32_t>(set.items.Intern(id));
  }));
}

SparseMatrix PreferenceMatrix(const TrainingSet& set) {
  SparseMatrix m;
  m.rows = static_cast<uint32_t>(set.activities.size());
  m.cols = set.items.size();
  m.row_start.reserve(m.rows + 1);
  m.row_start.push_back(0);
  for (const Activity& a : set.activities) {
    for (const auto& [item, w] : a.preferences) {
      m.cols_of.push_back(item);
      m.values.push_back(w);
    }
    m.row_start.push_back(m.cols_of.size());
  }
  return m;
}

SparseMatrix Transpose(const SparseMatrix& m) {
  SparseMatrix t;
  t.rows = m.cols;
  t.cols = m.rows;
  t.row_start.assign(t.rows + 1, 0);
  for (uint32_t c : m.cols_of) ++t.row_start[c + 1];
  for (uint32_t r = 0; r < t.rows; ++r) t.row_start[r + 1] += t.row_start[r];
  t.cols_of.resize(m.cols_of.size());
  t.values.resize(m.values.size());
  std::vector<uint64_t> next(t.row_start.begin(), t.row_start.end() - 1);
  for (uint32_t r = 0; r < m.rows; ++r) {
    for (uint64_t i = m.row_start[r]; i < m.row_start[r + 1]; ++i) {
      uint64_t at = next[m.cols_of[i]]++;
      t.cols_of[at] = r;
      t.values[at] = m.values[i];
    }
  }
  return t;
}

}  // namespace confide
