// The catalog of a region: products, stores and inventory. Not personal
// data, so stored in clear, but still per region (prices and assortments
// are regional).
//
// Records are built from Records (JSON objects or CSV rows) with errors
// naming the field. Catalog is thread-safe.
#pragma once

#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/record.h"
#include "core/status.h"
#include "store/store.h"

namespace confide {

struct Product {
  std::string id;
  std::string title;
  std::string category;
  std::string brand;
  int64_t price = 0;              // micro-units of the region's currency
  std::optional<int64_t> cost;    // micro-units; offers never go below it
  bool active = true;
  // When the catalog first held it (Catalog::PutProducts sets it; a later
  // put keeps it); 0 for products stored before it was recorded.
  Micros added_at = 0;
};

struct StoreLocation {
  std::string id;
  std::string name;
  double latitude = 0;
  double longitude = 0;
};

// `location` is a store id or "online".
struct InventoryLevel {
  std::string location;
  std::string product_id;
  int64_t quantity = 0;
};

// Field rules: id required (<= 128 bytes), price positive, latitude in
// [-90, 90], longitude in [-180, 180], quantity >= 0, active true/false.
Result<Product> ProductFromRecord(const Record& r);
Result<StoreLocation> StoreFromRecord(const Record& r);
Result<InventoryLevel> InventoryFromRecord(const Record& r);

// The fields each kind of record may have, with their JSON types.
inline constexpr ExpectedType kProductFields[] = {
    {"id", Field::Type::kString},    {"title", Field::Type::kString}, {"category", Field::Type::kString},
    {"brand", Field::Type::kString}, {"price", Field::Type::kNumber}, {"cost", Field::Type::kNumber},
    {"active", Field::Type::kBool}};
inline constexpr ExpectedType kStoreFields[] = {{"id", Field::Type::kString},
                                                {"name", Field::Type::kString},
                                                {"latitude", Field::Type::kNumber},
                                                {"longitude", Field::Type::kNumber}};
inline constexpr ExpectedType kInventoryFields[] = {{"location", Field::Type::kString},
                                                    {"product_id", Field::Type::kString},
                                                    {"quantity", Field::Type::kNumber}};

// kInvalidArgument naming the first JSON member that is no product field
// (a misspelt "cots" must not drop the cost unnoticed). CSV cells (kText)
// pass: the import's column mapping has named them already.
Status CheckProductFieldsKnown(const Record& r);

// Why a product's cost above its list price is worth a second look (it is
// stored all the same: offers then never discount it), or nullopt.
std::optional<std::string> CostWarning(const Product& p);

// One record each, in the shape the *FromRecord functions read back.
std::string ProductToJson(const Product& p);
std::string StoreToJson(const StoreLocation& s);
std::string InventoryToJson(const InventoryLevel& l);

class CatalogMirror;

// Point reads (GetProduct, GetStore, GetInventory) are answered from an
// in-memory mirror (catalog_mirror.h), filled from the store by the first
// of them or by LoadMirror(). Writes go to the store, durably, then to the
// mirror. A region one node serves has no other writer; on a region
// several nodes serve, the cell has the rows other nodes wrote read again
// (Reread, cell/shared_region.h) before a request reads the catalog.
class Catalog {
 public:
  // `clock` dates the products it first holds (Product::added_at).
  explicit Catalog(Store& store, const Clock& clock = SystemClock());
  ~Catalog();

  // Fills the mirror now (a server calls it at start, so that no request
  // pays for it); idempotent.
  Status LoadMirror();
  // Reads these rows of `family` (products, stores or inventory, by their
  // store keys) again into the mirror, as another writer left them: a
  // product gone leaves it with its levels. Other families are ignored.
  Status Reread(Family family, const std::vector<std::string>& keys);
  // Reads everything again into a new mirror, which then replaces the
  // held one (readers see the one or the other, whole).
  Status ReloadMirror();

  // Batch upserts, durable on return. A product's added_at is the clock's
  // now when the catalog did not hold it, else the held one (the given
  // value is ignored).
  Status PutProducts(const std::vector<Product>& products);

  // Reads product `id`, stores what `change` makes of it, with no other
  // catalog write in between (concurrent patches lose no field); durable
  // on return. nullopt: no such product. `change`'s error is returned as
  // it is and nothing is written.
  Result<std::optional<Product>> UpdateProduct(std::string_view id,
                                               const std::function<Result<Product>(const Product&)>& change);

  // Removes product `id` and its inventory levels, durably; false when
  // there was none. (Its price rules are PriceList's: DeleteRulesOf.)
  Result<bool> DeleteProduct(std::string_view id);
  Status PutStores(const std::vector<StoreLocation>& stores);
  Status PutInventory(const std::vector<InventoryLevel>& levels);

  // kInvalidArgument naming `field` ("no product with this id" / "no store with this
  // id") unless the catalog holds it; a failed read is returned as it is.
  Status CheckProduct(std::string_view id, const char* field);
  Status CheckStore(std::string_view id, const char* field);
  // A level's location ("online" or a store) and product are in the catalog.
  Status CheckReferences(const InventoryLevel& level);

  Result<std::optional<Product>> GetProduct(std::string_view id);
  Result<std::optional<StoreLocation>> GetStore(std::string_view id);
  Result<std::optional<int64_t>> GetInventory(std::string_view location, std::string_view product_id);

  // What the recommendation rules ask of an offered item, in one read.
  struct Standing {
    bool active = false;
    std::string category;
    std::optional<int64_t> stock;  // at the location; none: no level there
  };
  Result<std::optional<Standing>> GetStanding(std::string_view product_id, std::string_view location);

  // Every location ("online" or a store id) holding a level for the
  // product, with its quantity (zero included), in location order: one
  // index scan (the `stock` family, written with each inventory level).
  Status ForEachStockOf(std::string_view product_id,
                        const std::function<bool(std::string_view location, int64_t quantity)>& fn);

  // Builds the by-product stock index from the inventory when a database
  // written before the index existed is opened (once; marked in meta).
  Status EnsureStockIndex();

  // Visits every product (with an id after `after`, when given) / store /
  // inventory level in key order; return false to stop.
  Status ForEachProduct(const std::function<bool(const Product&)>& fn, std::string_view after = {});
  Status ForEachStore(const std::function<bool(const StoreLocation&)>& fn);
  Status ForEachInventory(const std::function<bool(const InventoryLevel&)>& fn);

  // Grows with every PutStores through this object: snapshots of the
  // stores (StoreDirectory) reload when it moved.
  uint64_t stores_version() const { return stores_version_.load(std::memory_order_acquire); }
  // The same for every product write through this object (put, patch, delete).
  uint64_t products_version() const { return products_version_.load(std::memory_order_acquire); }

 private:
  Store& store_;
  const Clock& clock_;
  std::atomic<uint64_t> stores_version_{1};
  std::atomic<uint64_t> products_version_{1};
  // Orders store writes and mirror updates alike, and the load. (The
  // mirror locks itself; this lock guards no field.)
  absl::Mutex write_mu_;
  std::atomic<bool> mirrored_{false};
  std::unique_ptr<CatalogMirror> mirror_;
};

}  // namespace confide
