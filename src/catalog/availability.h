// Availability: where a product can be had, from one read of its stock in
// every location (the catalog's by-product stock index) and the stores'
// coordinates.
//
// Answers: the stock in a given store, the nearest stores holding stock
// (great-circle distance from the shopper's position, or from the given
// store), the online stock and whether it ships to home, and where it can
// be picked up. Substitutes come from the similar-items model and are the
// caller's (server) business. Not personal data.
//
// StoreDirectory is a read-only snapshot of the stores (reload it after
// the stores change: Catalog::stores_version() tells); shareable between
// threads. Functions here are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "core/string_map.h"

namespace confide {

// Great-circle distance in kilometres (haversine, mean Earth radius).
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

class StoreDirectory {
 public:
  static Result<StoreDirectory> Load(Catalog& catalog);
  const StoreLocation* Find(std::string_view id) const;
  size_t size() const { return stores_.size(); }

 private:
  std::vector<StoreLocation> stores_;
  StringMap<size_t> index_;
};

struct AvailabilityQuery {
  std::string product_id;
  std::string store_id;                 // empty: none given
  std::optional<double> latitude, longitude;  // the shopper; else the store's position
  size_t nearest = 5;                   // how many stores with stock to list
};

struct StoreStock {
  std::string store_id;
  int64_t quantity = 0;
  std::optional<double> distance_km;  // when a position is known
};

struct Availability {
  std::string product_id;
  std::optional<int64_t> in_store;   // stock in the given store (0 when it holds no level)
  std::vector<StoreStock> nearest;   // stores with stock > 0, nearest first (then by id), the given store excluded
  int64_t online = 0;
  bool ship_to_home = false;         // online stock > 0
  std::vector<std::string> pickup;   // stores with stock where it can be collected: the given store first, then nearest
};

// kNotFound (field product_id) for a product the catalog lacks,
// kInvalidArgument (field store_id) for a store the directory lacks.
Result<Availability> LookupAvailability(Catalog& catalog, const StoreDirectory& stores, const AvailabilityQuery& query);

// Fulfilment options of a product for a shopper at or near `store_id`
// (channel store: in the store): "in_store", "pickup_at:<store>",
// "ship_to_home". From two point reads.
Result<std::vector<std::string>> FulfilmentOptions(Catalog& catalog, std::string_view product_id,
                                                   std::string_view store_id, bool in_store_channel);

}  // namespace confide
