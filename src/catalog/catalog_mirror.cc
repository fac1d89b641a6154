#include "catalog/catalog_mirror.h"

#include <mutex>

namespace confide {

void CatalogMirror::Put(const Product& product) {
  std::unique_lock lock(mu_);
  products_.insert_or_assign(product.id, product);
}

void CatalogMirror::Put(const StoreLocation& store) {
  std::unique_lock lock(mu_);
  stores_.insert_or_assign(store.id, store);
}

void CatalogMirror::Put(const InventoryLevel& level) {
  std::unique_lock lock(mu_);
  auto [column, added] = columns_.try_emplace(level.product_id, static_cast<uint32_t>(columns_.size()));
  auto it = levels_.find(level.location);
  if (it == levels_.end()) it = levels_.emplace(level.location, std::vector<int64_t>()).first;
  std::vector<int64_t>& levels = it->second;
  if (levels.size() <= column->second) levels.resize(columns_.size(), kNoLevel);
  levels[column->second] = level.quantity;
}

std::optional<Product> CatalogMirror::FindProduct(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = products_.find(id);
  if (it == products_.end()) return std::nullopt;
  return it->second;
}

std::optional<StoreLocation> CatalogMirror::FindStore(std::string_view id) const {
  std::shared_lock lock(mu_);
  auto it = stores_.find(id);
  if (it == stores_.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> CatalogMirror::FindLevel(std::string_view location, std::string_view product_id) const {
  std::shared_lock lock(mu_);
  auto column = columns_.find(product_id);
  auto levels = levels_.find(location);
  if (column == columns_.end() || levels == levels_.end() || levels->second.size() <= column->second) return std::nullopt;
  int64_t q = levels->second[column->second];
  if (q == kNoLevel) return std::nullopt;
  return q;
}

}  // namespace confide
