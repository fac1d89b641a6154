#include "catalog/catalog_mirror.h"

namespace confide {

void CatalogMirror::Put(const Product& product) {
  absl::MutexLock lock(&mu_);
  auto column = columns_.find(product.id);
  products_.insert_or_assign(product.id, Held{product, column == columns_.end() ? UINT32_MAX : column->second});
}

uint32_t CatalogMirror::Column(const std::string& product_id) {
  auto [column, added] = columns_.try_emplace(product_id, static_cast<uint32_t>(columns_.size()));
  if (added) {
    if (auto held = products_.find(product_id); held != products_.end()) held->second.column = column->second;
  }
  return column->second;
}

void CatalogMirror::Put(const StoreLocation& store) {
  absl::MutexLock lock(&mu_);
  stores_.insert_or_assign(store.id, store);
}

void CatalogMirror::Put(const InventoryLevel& level) {
  absl::MutexLock lock(&mu_);
  uint32_t column = Column(level.product_id);
  auto it = levels_.find(level.location);
  if (it == levels_.end()) it = levels_.emplace(level.location, std::vector<int64_t>()).first;
  std::vector<int64_t>& levels = it->second;
  if (levels.size() <= column) levels.resize(columns_.size(), kNoLevel);
  levels[column] = level.quantity;
}

void CatalogMirror::Swap(CatalogMirror& other) {
  absl::MutexLock lock(&mu_);
  absl::MutexLock theirs(&other.mu_);
  products_.swap(other.products_);
  stores_.swap(other.stores_);
  columns_.swap(other.columns_);
  levels_.swap(other.levels_);
}

void CatalogMirror::EraseLevel(std::string_view location, std::string_view product_id) {
  absl::MutexLock lock(&mu_);
  auto column = columns_.find(product_id);
  auto levels = levels_.find(location);
  if (column != columns_.end() && levels != levels_.end() && column->second < levels->second.size())
    levels->second[column->second] = kNoLevel;
}

void CatalogMirror::EraseProduct(std::string_view id) {
  absl::MutexLock lock(&mu_);
  if (auto held = products_.find(id); held != products_.end()) products_.erase(held);
  auto column = columns_.find(id);
  if (column == columns_.end()) return;
  for (auto& entry : levels_)
    if (column->second < entry.second.size()) entry.second[column->second] = kNoLevel;
}

std::optional<Product> CatalogMirror::FindProduct(std::string_view id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = products_.find(id);
  if (it == products_.end()) return std::nullopt;
  return it->second.product;
}

std::optional<StoreLocation> CatalogMirror::FindStore(std::string_view id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = stores_.find(id);
  if (it == stores_.end()) return std::nullopt;
  return it->second;
}

std::optional<int64_t> CatalogMirror::LevelAt(std::string_view location, uint32_t column) const {
  auto levels = levels_.find(location);
  if (levels == levels_.end() || levels->second.size() <= column || levels->second[column] == kNoLevel)
    return std::nullopt;
  return levels->second[column];
}

std::optional<int64_t> CatalogMirror::FindLevel(std::string_view location, std::string_view product_id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto column = columns_.find(product_id);
  if (column == columns_.end()) return std::nullopt;
  return LevelAt(location, column->second);
}

std::optional<Catalog::Standing> CatalogMirror::FindStanding(std::string_view product_id,
                                                            std::string_view location) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = products_.find(product_id);
  if (it == products_.end()) return std::nullopt;
  return Catalog::Standing{it->second.product.active, it->second.product.category, LevelAt(location, it->second.column)};
}

}  // namespace confide
