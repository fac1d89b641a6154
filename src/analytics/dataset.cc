#include "analytics/dataset.h"

#include <algorithm>
#include <climits>
#include <map>
#include <unordered_map>

#include "catalog/catalog.h"
#include "cell/cell.h"

namespace confide::analytics {

int64_t Order::items() const {
  int64_t n = 0;
  for (const OrderLine& l : lines) n += l.quantity;
  return n;
}

int64_t Order::amount() const {
  int64_t n = 0;
  for (const OrderLine& l : lines) n += l.amount;
  return n;
}

ShopperOrders OrdersFromHistory(const std::vector<Event>& history, Micros from, Micros to,
                                const std::function<std::string(const std::string&)>& category_of) {
  std::map<std::string, Order> by_id;
  std::vector<std::string> picked;
  for (const Event& e : history) {
    // Only the period's pickups: a later one is data of a month not charged.
    if (e.type == EventType::kPickup && !e.order_id.empty() && e.timestamp >= from && e.timestamp < to)
      picked.push_back(e.order_id);
    if (e.type != EventType::kPurchase || e.timestamp < from || e.timestamp >= to || e.quantity <= 0) continue;
    const std::string& key = e.order_id.empty() ? e.event_id : e.order_id;
    auto [it, fresh] = by_id.try_emplace(key);
    Order& o = it->second;
    if (fresh) {
      o.time = e.timestamp;
      o.channel = e.channel;
    }
    if (o.store_id.empty()) o.store_id = e.store_id;
    // Micro-units to hundredths: unit_price / 10^4 per item.
    // Saturating: the clamps that follow bound any value; an overflow must not wrap first.
    int64_t amount = 0;
    if (e.unit_price && __builtin_mul_overflow(*e.unit_price / 10'000, e.quantity, &amount))
      amount = (*e.unit_price < 0) ? INT64_MIN : INT64_MAX;
    o.lines.push_back({e.product_id, category_of(e.product_id), e.quantity, amount});
  }
  for (const std::string& id : picked) {
    if (auto it = by_id.find(id); it != by_id.end()) it->second.picked_up = true;
  }
  ShopperOrders out;
  for (auto& [id, order] : by_id) out.orders.push_back(std::move(order));
  std::sort(out.orders.begin(), out.orders.end(), [](const Order& a, const Order& b) { return a.time < b.time; });
  return out;
}

Result<Dataset> ReadGrantedOrders(Cell& cell, Micros from, Micros to) {
  std::unordered_map<std::string, std::string> categories;
  Status lookup_error;
  auto category_of = [&](const std::string& product) -> std::string {
    auto it = categories.find(product);
    if (it != categories.end()) return it->second;
    auto p = cell.catalog().GetProduct(product);
    if (!p.ok()) {
      lookup_error = p.status();
      return {};
    }
    std::string category = p->has_value() ? (*p)->category : std::string();
    categories.emplace(product, category);
    return category;
  };
  Dataset data;
  auto add = [&](const Grant& grant, std::vector<Event>&& history) {
    if (!grant.Allows(DataCategory::kPurchases)) return Status::Ok();
    ShopperOrders s = OrdersFromHistory(history, from, to, category_of);
    if (!s.orders.empty()) data.push_back(std::move(s));
    return lookup_error;
  };
  // Orders are made of purchases and pickups: nothing else is decoded.
  Cell::EventTypes orders;
  orders.set(static_cast<size_t>(EventType::kPurchase)).set(static_cast<size_t>(EventType::kPickup));
  Status st = cell.ForEachGrantedHistory(Purpose::kAnalytics, add, false, orders);
  CONFIDE_RETURN_IF_ERROR(st);
  return data;
}

}  // namespace confide::analytics
