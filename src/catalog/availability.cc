#include "catalog/availability.h"

#include <algorithm>
#include <cmath>

namespace confide {

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRadius = 6371.0088;
  constexpr double kRad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kRadius * std::asin(std::min(1.0, std::sqrt(a)));
}

Result<StoreDirectory> StoreDirectory::Load(Catalog& catalog) {
  StoreDirectory d;
  CONFIDE_RETURN_IF_ERROR(catalog.ForEachStore([&](const StoreLocation& s) {
    d.index_.emplace(s.id, d.stores_.size());
    d.stores_.push_back(s);
    return true;
  }));
  return d;
}

const StoreLocation* StoreDirectory::Find(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &stores_[it->second];
}

Result<Availability> LookupAvailability(Catalog& catalog, const StoreDirectory& stores, const AvailabilityQuery& query) {
  auto product = catalog.GetProduct(query.product_id);
  if (!product.ok()) return product.status();
  if (!product->has_value()) return Status(Code::kNotFound, "no product with this id", "product_id");
  const StoreLocation* here = nullptr;
  if (!query.store_id.empty()) {
    here = stores.Find(query.store_id);
    if (!here) return Status(Code::kInvalidArgument, "no store with this id", "store_id");
  }
  std::optional<double> lat = query.latitude, lon = query.longitude;
  if (!lat && here) {
    lat = here->latitude;
    lon = here->longitude;
  }
  Availability a;
  a.product_id = query.product_id;
  if (here) a.in_store = 0;
  std::vector<StoreStock> with_stock;
  CONFIDE_RETURN_IF_ERROR(catalog.ForEachStockOf(query.product_id, [&](std::string_view location, int64_t quantity) {
    if (location == "online") {
      a.online = quantity;
      return true;
    }
    if (here && location == here->id) {
      a.in_store = quantity;
      return true;
    }
    if (quantity <= 0) return true;
    const StoreLocation* s = stores.Find(location);
    if (!s) return true;  // stock for a store the catalog no longer lists
    StoreStock st{s->id, quantity, std::nullopt};
    if (lat) st.distance_km = DistanceKm(*lat, *lon, s->latitude, s->longitude);
    with_stock.push_back(std::move(st));
    return true;
  }));
  size_t n = std::min(query.nearest, with_stock.size());
  auto closer = [](const StoreStock& x, const StoreStock& y) {
    double dx = x.distance_km.value_or(0), dy = y.distance_km.value_or(0);
    return dx != dy ? dx < dy : x.store_id < y.store_id;
  };
  std::partial_sort(with_stock.begin(), with_stock.begin() + static_cast<ptrdiff_t>(n), with_stock.end(), closer);
  with_stock.resize(n);
  a.nearest = std::move(with_stock);
  a.ship_to_home = a.online > 0;
  if (here && a.in_store.value_or(0) > 0) a.pickup.push_back(here->id);
  for (const StoreStock& s : a.nearest) a.pickup.push_back(s.store_id);
  return a;
}

Result<std::vector<std::string>> FulfilmentOptions(Catalog& catalog, std::string_view product_id,
                                                   std::string_view store_id, bool in_store_channel) {
  std::vector<std::string> options;
  if (!store_id.empty()) {
    auto stock = catalog.GetInventory(store_id, product_id);
    if (!stock.ok()) return stock.status();
    if (stock->value_or(0) > 0) {
      if (in_store_channel) options.push_back("in_store");
      options.push_back("pickup_at:" + std::string(store_id));
    }
  }
  auto online = catalog.GetInventory("online", product_id);
  if (!online.ok()) return online.status();
  if (online->value_or(0) > 0) options.push_back("ship_to_home");
  return options;
}

}  // namespace confide
