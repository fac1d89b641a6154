// An in-memory copy of a region's products, stores and stock levels.
//
// The recommendation rules ask, for every offered item, whether it is
// active, in stock where the shopper is, and of which category; quotes and
// fulfilment ask again. Answered from here, each question is a hash lookup
// instead of a store read. Catalog fills it from the store once and keeps
// it in step with its own writes (see Catalog). Not personal data.
//
// Stock levels are a dense column per location (one int64 per product ever
// given a level), so lookups need no composite key: memory is
// 8 bytes x products x locations (20,000 x 300: 48 MB).
// Thread-safe: readers share a lock; writers take it alone.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "core/string_map.h"

namespace confide {

class CatalogMirror {
 public:
  void Put(const Product& product);
  void Put(const StoreLocation& store);
  void Put(const InventoryLevel& level);
  // The product and its levels everywhere are gone.
  void EraseProduct(std::string_view id);
  // The product's level at `location` is gone.
  void EraseLevel(std::string_view location, std::string_view product_id);
  // Takes what `other` holds, and leaves it what this one held.
  void Swap(CatalogMirror& other);

  std::optional<Product> FindProduct(std::string_view id) const;
  std::optional<StoreLocation> FindStore(std::string_view id) const;
  std::optional<int64_t> FindLevel(std::string_view location, std::string_view product_id) const;
  // One lock and two lookups for the serving rules' question.
  std::optional<Catalog::Standing> FindStanding(std::string_view product_id, std::string_view location) const;

 private:
  static constexpr int64_t kNoLevel = -1;

  mutable absl::Mutex mu_;
  struct Held {
    Product product;
    uint32_t column = UINT32_MAX;  // in levels_, once the product has a level anywhere
  };
  uint32_t Column(const std::string& product_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::optional<int64_t> LevelAt(std::string_view location, uint32_t column) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  StringMap<Held> products_ ABSL_GUARDED_BY(mu_);
  StringMap<StoreLocation> stores_ ABSL_GUARDED_BY(mu_);
  // product id -> index into each location's levels (products or not)
  StringMap<uint32_t> columns_ ABSL_GUARDED_BY(mu_);
  // location -> quantity per column, kNoLevel where none
  StringMap<std::vector<int64_t>> levels_ ABSL_GUARDED_BY(mu_);
};

}  // namespace confide
