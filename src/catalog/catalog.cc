#include "catalog/catalog.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "catalog/catalog_mirror.h"
#include "core/bytes.h"
#include "core/json_writer.h"
#include "core/money.h"

namespace confide {
namespace {

constexpr size_t kMaxId = 128;
constexpr size_t kMaxText = 1024;

Status RequiredText(const Record& r, const char* field, size_t max, std::string& out) {
  std::string_view v = r.Get(field);
  if (v.empty()) return InvalidArgument(field, "is required");
  if (v.size() > max) return InvalidArgument(field, "longer than " + std::to_string(max) + " bytes");
  out = v;
  return {};
}

Status OptionalText(const Record& r, const char* field, size_t max, std::string& out) {
  std::string_view v = r.Get(field);
  if (v.size() > max) return InvalidArgument(field, "longer than " + std::to_string(max) + " bytes");
  out = v;
  return {};
}

Status Coordinate(const Record& r, const char* field, double limit, double& out) {
  std::string_view v = r.Get(field);
  if (v.empty()) return InvalidArgument(field, "is required");
  std::string text(v);
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(out)) return InvalidArgument(field, "must be a number");
  if (out < -limit || out > limit)
    return InvalidArgument(field, "must be between " + std::to_string(static_cast<int>(-limit)) + " and " +
                                      std::to_string(static_cast<int>(limit)));
  return {};
}

// Storage codec for catalog records: length-prefixed fields.
std::string EncodeProduct(const Product& p) {
  std::string out;
  PutLengthPrefixed(out, p.title);
  PutLengthPrefixed(out, p.category);
  PutLengthPrefixed(out, p.brand);
  PutVarint64(out, static_cast<uint64_t>(p.price));
  PutVarint64(out, p.cost ? static_cast<uint64_t>(*p.cost) + 1 : 0);
  out.push_back(p.active ? 1 : 0);
  PutVarint64(out, static_cast<uint64_t>(p.added_at));
  return out;
}

Result<Product> DecodeProduct(std::string_view id, std::string_view in) {
  Product p;
  p.id = id;
  std::string_view s;
  uint64_t n, cost;
  const Status bad(Code::kDataLoss, "stored product is malformed");
  if (!GetLengthPrefixed(in, s)) return bad;
  p.title = s;
  if (!GetLengthPrefixed(in, s)) return bad;
  p.category = s;
  if (!GetLengthPrefixed(in, s)) return bad;
  p.brand = s;
  if (!GetVarint64(in, n) || !GetVarint64(in, cost) || in.empty()) return bad;
  p.price = static_cast<int64_t>(n);
  if (cost) p.cost = static_cast<int64_t>(cost - 1);
  p.active = in[0] == 1;
  in.remove_prefix(1);
  uint64_t added = 0;  // absent in rows written before it was recorded
  if (!in.empty() && (!GetVarint64(in, added) || !in.empty())) return bad;
  p.added_at = static_cast<int64_t>(added);
  return p;
}

std::string EncodeStore(const StoreLocation& s) {
  std::string out;
  PutLengthPrefixed(out, s.name);
  out.append(reinterpret_cast<const char*>(&s.latitude), sizeof(double));
  out.append(reinterpret_cast<const char*>(&s.longitude), sizeof(double));
  return out;
}

Result<StoreLocation> DecodeStore(std::string_view id, std::string_view in) {
  StoreLocation s;
  s.id = id;
  std::string_view name;
  if (!GetLengthPrefixed(in, name) || in.size() != 2 * sizeof(double))
    return Status(Code::kDataLoss, "stored store is malformed");
  s.name = name;
  std::memcpy(&s.latitude, in.data(), sizeof(double));
  std::memcpy(&s.longitude, in.data() + sizeof(double), sizeof(double));
  return s;
}

// Inventory keys are "<location>\0<product>", values the varint quantity.
Result<InventoryLevel> DecodeInventory(std::string_view k, std::string_view v) {
  size_t zero = k.find('\0');
  uint64_t q;
  if (zero == std::string_view::npos || !GetVarint64(v, q)) return Status(Code::kDataLoss, "stored inventory is malformed");
  return InventoryLevel{std::string(k.substr(0, zero)), std::string(k.substr(zero + 1)), static_cast<int64_t>(q)};
}

// Scans a family, decoding each record; stops at the first undecodable one.
template <typename Decode, typename Fn>
Status ForEachDecoded(Store& store, Family family, Decode decode, const Fn& fn) {
  return store.ScanPrefix(family, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    auto record = decode(k, v);
    if (!record.ok()) return record.status();
    return fn(*record);
  });
}

std::string InventoryKey(std::string_view location, std::string_view product) {
  std::string key(location);
  key.push_back('\0');
  key.append(product);
  return key;
}

}  // namespace

Status CheckProductFieldsKnown(const Record& r) {
  for (const Field& f : r.fields()) {
    if (f.type == Field::Type::kText) continue;
    auto named = [&](const ExpectedType& e) { return e.name == f.name; };
    if (std::any_of(std::begin(kProductFields), std::end(kProductFields), named)) continue;
    std::string known;
    for (const ExpectedType& e : kProductFields) known += (known.empty() ? "" : ", ") + std::string(e.name);
    return InvalidArgument(std::string(f.name).c_str(), "is not a product field (" + known + ")");
  }
  return {};
}

std::optional<std::string> CostWarning(const Product& p) {
  if (!p.cost || *p.cost <= p.price) return std::nullopt;
  return "exceeds the price (" + FormatMicros(*p.cost) + " > " + FormatMicros(p.price) +
         "): stored, but offers will never discount this product";
}

Result<Product> ProductFromRecord(const Record& r) {
  CONFIDE_RETURN_IF_ERROR(CheckJsonTypes(r, kProductFields));
  Product p;
  CONFIDE_RETURN_IF_ERROR(RequiredText(r, "id", kMaxId, p.id));
  CONFIDE_RETURN_IF_ERROR(RequiredText(r, "title", kMaxText, p.title));
  CONFIDE_RETURN_IF_ERROR(OptionalText(r, "category", kMaxText, p.category));
  CONFIDE_RETURN_IF_ERROR(OptionalText(r, "brand", kMaxText, p.brand));
  std::string_view v = r.Get("price");
  if (v.empty()) return InvalidArgument("price", "is required");
  auto price = ParseMicros(v);
  if (!price) return InvalidArgument("price", "must be a decimal number with at most 6 decimals");
  if (*price <= 0) return InvalidArgument("price", "must be positive");
  p.price = *price;
  v = r.Get("cost");
  if (!v.empty()) {
    auto cost = ParseMicros(v);
    if (!cost || *cost < 0) return InvalidArgument("cost", "must be a non-negative decimal number");
    p.cost = *cost;
  }
  v = r.Get("active");
  if (!v.empty()) {
    if (v == "true" || v == "1") p.active = true;
    else if (v == "false" || v == "0") p.active = false;
    else return InvalidArgument("active", "must be true or false");
  }
  return p;
}

Result<StoreLocation> StoreFromRecord(const Record& r) {
  CONFIDE_RETURN_IF_ERROR(CheckJsonTypes(r, kStoreFields));
  StoreLocation s;
  CONFIDE_RETURN_IF_ERROR(RequiredText(r, "id", kMaxId, s.id));
  if (s.id == "online") return InvalidArgument("id", "\"online\" is reserved for the online location");
  CONFIDE_RETURN_IF_ERROR(RequiredText(r, "name", kMaxText, s.name));
  CONFIDE_RETURN_IF_ERROR(Coordinate(r, "latitude", 90, s.latitude));
  CONFIDE_RETURN_IF_ERROR(Coordinate(r, "longitude", 180, s.longitude));
  return s;
}

Result<InventoryLevel> InventoryFromRecord(const Record& r) {
  CONFIDE_RETURN_IF_ERROR(CheckJsonTypes(r, kInventoryFields));
  InventoryLevel l;
  CONFIDE_RETURN_IF_ERROR(RequiredText(r, "location", kMaxId, l.location));
  CONFIDE_RETURN_IF_ERROR(RequiredText(r, "product_id", kMaxId, l.product_id));
  std::string_view v = r.Get("quantity");
  if (v.empty()) return InvalidArgument("quantity", "is required");
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), l.quantity);
  if (ec != std::errc() || end != v.data() + v.size()) return InvalidArgument("quantity", "must be an integer");
  if (l.quantity < 0) return InvalidArgument("quantity", "must not be negative");
  return l;
}

std::string ProductToJson(const Product& p) {
  JsonWriter w;
  w.BeginObject().Key("id").String(p.id).Key("title").String(p.title).Key("category").String(p.category);
  w.Key("brand").String(p.brand).Key("price").Micros6(p.price);
  if (p.cost) w.Key("cost").Micros6(*p.cost);
  w.Key("active").Bool(p.active).EndObject();
  return w.Take();
}

std::string InventoryToJson(const InventoryLevel& l) {
  JsonWriter w;
  w.BeginObject().Key("location").String(l.location).Key("product_id").String(l.product_id);
  w.Key("quantity").Int(l.quantity).EndObject();
  return w.Take();
}

std::string StoreToJson(const StoreLocation& s) {
  JsonWriter w;
  w.BeginObject().Key("id").String(s.id).Key("name").String(s.name);
  w.Key("latitude").Double(s.latitude).Key("longitude").Double(s.longitude).EndObject();
  return w.Take();
}

Catalog::Catalog(Store& store, const Clock& clock)
    : store_(store), clock_(clock), mirror_(std::make_unique<CatalogMirror>()) {}
Catalog::~Catalog() = default;

Status Catalog::LoadMirror() {
  if (mirrored_.load(std::memory_order_acquire)) return {};
  absl::MutexLock lock(&write_mu_);
  if (mirrored_.load(std::memory_order_relaxed)) return {};
  CONFIDE_RETURN_IF_ERROR(ForEachProduct([&](const Product& p) { return mirror_->Put(p), true; }));
  CONFIDE_RETURN_IF_ERROR(ForEachStore([&](const StoreLocation& s) { return mirror_->Put(s), true; }));
  CONFIDE_RETURN_IF_ERROR(ForEachInventory([&](const InventoryLevel& l) { return mirror_->Put(l), true; }));
  mirrored_.store(true, std::memory_order_release);
  return {};
}

Status Catalog::Reread(Family family, const std::vector<std::string>& keys) {
  if (family != Family::kProducts && family != Family::kStores && family != Family::kInventory) return {};
  // Read and applied under the writers' lock: no write of this node lands
  // between, so no row read before it can replace it in the mirror.
  absl::MutexLock lock(&write_mu_);
  if (!mirrored_.load(std::memory_order_relaxed)) return {};  // the load reads them all
  constexpr size_t kChunk = 10'000;                           // keys per read
  auto put = [&](auto decoded) -> Status {
    if (!decoded.ok()) return decoded.status();
    mirror_->Put(*decoded);
    return {};
  };
  for (size_t begin = 0; begin < keys.size(); begin += kChunk) {
    const std::vector<std::string> chunk(keys.begin() + begin,
                                         keys.begin() + std::min(keys.size(), begin + kChunk));
    auto values = store_.GetMany(family, chunk);
    if (!values.ok()) return values.status();
    for (size_t i = 0; i < chunk.size(); ++i) {
      const std::string& key = chunk[i];
      const std::optional<std::string>& value = (*values)[i];
      if (!value) {
        if (family == Family::kProducts) mirror_->EraseProduct(key);
        const size_t zero = key.find('\0');
        if (family == Family::kInventory && zero != std::string::npos)
          mirror_->EraseLevel(std::string_view(key).substr(0, zero), std::string_view(key).substr(zero + 1));
        continue;  // no store is ever deleted
      }
      CONFIDE_RETURN_IF_ERROR(family == Family::kProducts ? put(DecodeProduct(key, *value))
                              : family == Family::kStores ? put(DecodeStore(key, *value))
                                                          : put(DecodeInventory(key, *value)));
    }
  }
  if (family == Family::kProducts) products_version_.fetch_add(1, std::memory_order_acq_rel);
  if (family == Family::kStores) stores_version_.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

Status Catalog::ReloadMirror() {
  absl::MutexLock lock(&write_mu_);
  CatalogMirror fresh;
  CONFIDE_RETURN_IF_ERROR(ForEachProduct([&](const Product& p) { return fresh.Put(p), true; }));
  CONFIDE_RETURN_IF_ERROR(ForEachStore([&](const StoreLocation& s) { return fresh.Put(s), true; }));
  CONFIDE_RETURN_IF_ERROR(ForEachInventory([&](const InventoryLevel& l) { return fresh.Put(l), true; }));
  mirror_->Swap(fresh);
  mirrored_.store(true, std::memory_order_release);
  stores_version_.fetch_add(1, std::memory_order_acq_rel);
  products_version_.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

Status Catalog::PutProducts(const std::vector<Product>& given) {
  CONFIDE_RETURN_IF_ERROR(LoadMirror());  // what is held already, for added_at
  std::vector<Product> products = given;
  WriteBatch b;
  absl::MutexLock lock(&write_mu_);
  const Micros now = clock_.Now();
  for (Product& p : products) {
    std::optional<Product> held = mirror_->FindProduct(p.id);
    p.added_at = held ? held->added_at : now;
    b.Put(Family::kProducts, p.id, EncodeProduct(p));
  }
  CONFIDE_RETURN_IF_ERROR(store_.Write(b));
  for (const auto& p : products) mirror_->Put(p);
  products_version_.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

Result<std::optional<Product>> Catalog::UpdateProduct(
    std::string_view id, const std::function<Result<Product>(const Product&)>& change) {
  CONFIDE_RETURN_IF_ERROR(LoadMirror());
  absl::MutexLock lock(&write_mu_);  // the mirror is current under it: every write holds it
  std::optional<Product> current = mirror_->FindProduct(id);
  if (!current) return std::optional<Product>();
  auto changed = change(*current);
  if (!changed.ok()) return changed.status();
  if (changed->id != current->id) return InvalidArgument("id", "a product's id cannot be changed");
  changed->added_at = current->added_at;
  WriteBatch b;
  b.Put(Family::kProducts, changed->id, EncodeProduct(*changed));
  CONFIDE_RETURN_IF_ERROR(store_.Write(b));
  mirror_->Put(*changed);
  products_version_.fetch_add(1, std::memory_order_acq_rel);
  return std::optional<Product>(std::move(*changed));
}

Result<bool> Catalog::DeleteProduct(std::string_view id) {
  CONFIDE_RETURN_IF_ERROR(LoadMirror());
  absl::MutexLock lock(&write_mu_);
  if (!mirror_->FindProduct(id)) return false;
  WriteBatch b;
  b.Delete(Family::kProducts, id);
  CONFIDE_RETURN_IF_ERROR(ForEachStockOf(id, [&](std::string_view location, int64_t) {
    b.Delete(Family::kInventory, InventoryKey(location, id));
    b.Delete(Family::kStock, InventoryKey(id, location));
    return true;
  }));
  CONFIDE_RETURN_IF_ERROR(store_.Write(b));
  mirror_->EraseProduct(id);
  products_version_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

Status Catalog::PutStores(const std::vector<StoreLocation>& stores) {
  WriteBatch b;
  for (const auto& s : stores) b.Put(Family::kStores, s.id, EncodeStore(s));
  absl::MutexLock lock(&write_mu_);
  Status written = store_.Write(b);
  stores_version_.fetch_add(1, std::memory_order_acq_rel);
  CONFIDE_RETURN_IF_ERROR(written);
  if (mirrored_.load(std::memory_order_relaxed)) {
    for (const auto& s : stores) mirror_->Put(s);
  }
  return {};
}

Status Catalog::PutInventory(const std::vector<InventoryLevel>& levels) {
  WriteBatch b;
  for (const auto& l : levels) {
    std::string q;
    PutVarint64(q, static_cast<uint64_t>(l.quantity));
    b.Put(Family::kInventory, InventoryKey(l.location, l.product_id), q);
    b.Put(Family::kStock, InventoryKey(l.product_id, l.location), q);
  }
  absl::MutexLock lock(&write_mu_);
  CONFIDE_RETURN_IF_ERROR(store_.Write(b));
  if (mirrored_.load(std::memory_order_relaxed)) {
    for (const auto& l : levels) mirror_->Put(l);
  }
  return {};
}

Status Catalog::CheckProduct(std::string_view id, const char* field) {
  auto product = GetProduct(id);
  if (!product.ok()) return product.status();
  if (!product->has_value()) return InvalidArgument(field, "no product with this id");
  return {};
}

Status Catalog::CheckStore(std::string_view id, const char* field) {
  auto store = GetStore(id);
  if (!store.ok()) return store.status();
  if (!store->has_value()) return InvalidArgument(field, "no store with this id");
  return {};
}

Status Catalog::CheckReferences(const InventoryLevel& level) {
  if (level.location != "online") CONFIDE_RETURN_IF_ERROR(CheckStore(level.location, "location"));
  return CheckProduct(level.product_id, "product_id");
}

Status Catalog::ForEachStockOf(std::string_view product_id,
                               const std::function<bool(std::string_view, int64_t)>& fn) {
  std::string prefix(product_id);
  prefix.push_back('\0');
  return store_.ScanPrefix(Family::kStock, prefix, [&](std::string_view k, std::string_view v) -> Result<bool> {
    uint64_t q;
    if (!GetVarint64(v, q)) return Status(Code::kDataLoss, "stored stock is malformed");
    return fn(k.substr(prefix.size()), static_cast<int64_t>(q));
  });
}

Status Catalog::EnsureStockIndex() {
  constexpr std::string_view kMarker = "stock_index";
  auto marked = store_.Get(Family::kMeta, kMarker);
  if (!marked.ok()) return marked.status();
  if (marked->has_value()) return {};
  WriteBatch b;
  CONFIDE_RETURN_IF_ERROR(
      store_.ScanPrefix(Family::kInventory, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
        size_t zero = k.find('\0');
        if (zero == std::string_view::npos) return true;
        b.Put(Family::kStock, InventoryKey(k.substr(zero + 1), k.substr(0, zero)), v);
        if (b.size() < 10'000) return true;
        CONFIDE_RETURN_IF_ERROR(store_.Write(b, Durability::kBuffered));
        b.Clear();
        return true;
      }));
  b.Put(Family::kMeta, kMarker, "1");
  return store_.Write(b);
}

Result<std::optional<Product>> Catalog::GetProduct(std::string_view id) {
  CONFIDE_RETURN_IF_ERROR(LoadMirror());
  return mirror_->FindProduct(id);
}

Result<std::optional<StoreLocation>> Catalog::GetStore(std::string_view id) {
  CONFIDE_RETURN_IF_ERROR(LoadMirror());
  return mirror_->FindStore(id);
}

Result<std::optional<int64_t>> Catalog::GetInventory(std::string_view location, std::string_view product_id) {
  CONFIDE_RETURN_IF_ERROR(LoadMirror());
  return mirror_->FindLevel(location, product_id);
}

Result<std::optional<Catalog::Standing>> Catalog::GetStanding(std::string_view product_id, std::string_view location) {
  CONFIDE_RETURN_IF_ERROR(LoadMirror());
  return mirror_->FindStanding(product_id, location);
}

Status Catalog::ForEachProduct(const std::function<bool(const Product&)>& fn, std::string_view after) {
  if (after.empty()) return ForEachDecoded(store_, Family::kProducts, DecodeProduct, fn);
  std::string begin(after);
  begin.push_back('\0');  // the first key after `after`
  return store_.ScanRange(Family::kProducts, begin, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    auto product = DecodeProduct(k, v);
    if (!product.ok()) return product.status();
    return fn(*product);
  });
}

Status Catalog::ForEachInventory(const std::function<bool(const InventoryLevel&)>& fn) {
  return ForEachDecoded(store_, Family::kInventory, DecodeInventory, fn);
}

Status Catalog::ForEachStore(const std::function<bool(const StoreLocation&)>& fn) {
  return ForEachDecoded(store_, Family::kStores, DecodeStore, fn);
}

}  // namespace confide
