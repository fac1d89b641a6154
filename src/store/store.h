// The Store: an ordered key-value store with column families, the one
// persistence interface of a region's cell. Two backends implement it:
// RocksDB (embedded, the default) and, later, PostgreSQL.
//
// Keys are byte strings compared bytewise; each Family is a separate
// keyspace (a RocksDB column family, a PostgreSQL table). The key layout of
// every family is documented in docs/storage.md.
//
// Thread-safety: every method may be called concurrently.
// Durability: Write(batch, Durability::kSync) returns only after the batch
// is durable; concurrent synchronous writers share a single sync (group
// commit). A batch is atomic: all of it is applied or none.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace confide {

enum class Family : uint8_t {
  kMeta,       // schema version and cell settings
  kDataKeys,   // per-shopper data keys, wrapped by the region KEK
  kIdentity,   // identifier pseudonym -> shopper
  kShoppers,   // per-shopper records: group links, sealed identifiers
  kEvents,     // sealed event payloads, keyed by shopper and time
  kDedup,      // event id pseudonym -> shopper, for idempotent ingest
  kProducts,   // catalog (not personal)
  kStores,
  kInventory,
};
constexpr size_t kFamilyCount = 9;
const char* FamilyName(Family f);

enum class Durability { kSync, kBuffered };

class WriteBatch {
 public:
  struct Op {
    enum Kind : uint8_t { kPut, kDelete, kDeleteRange } kind;
    Family family;
    std::string key;
    std::string value;  // kPut: value; kDeleteRange: end key (exclusive)
  };
  void Put(Family f, std::string_view key, std::string_view value) {
    ops_.push_back({Op::kPut, f, std::string(key), std::string(value)});
  }
  void Delete(Family f, std::string_view key) { ops_.push_back({Op::kDelete, f, std::string(key), {}}); }
  void DeleteRange(Family f, std::string_view begin, std::string_view end) {
    ops_.push_back({Op::kDeleteRange, f, std::string(begin), std::string(end)});
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }
  void Clear() { ops_.clear(); }

 private:
  std::vector<Op> ops_;
};

// Visits entries in key order; return false to stop early.
using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;

class Store {
 public:
  virtual ~Store() = default;

  virtual Status Write(const WriteBatch& batch, Durability durability = Durability::kSync) = 0;

  // nullopt when absent.
  virtual Result<std::optional<std::string>> Get(Family f, std::string_view key) = 0;

  // One lookup per key, in order; fills `found[i]` with whether keys[i] exists.
  virtual Status Contains(Family f, const std::vector<std::string>& keys, std::vector<bool>& found) = 0;

  // Entries whose key starts with `prefix`, in order.
  virtual Status ScanPrefix(Family f, std::string_view prefix, const ScanFn& fn) = 0;

  // Entries with begin <= key < end (an empty `end` means no upper bound).
  virtual Status ScanRange(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) = 0;

  // Makes buffered writes durable.
  virtual Status Sync() = 0;

  // Rewrites all files so deleted data is physically gone (used by erasure).
  virtual Status CompactAll() = 0;

  // Backend counters for /metrics and tests, e.g. "wal_syncs", "writes".
  virtual uint64_t Counter(std::string_view name) = 0;
};

struct RocksDbOptions {
  size_t block_cache_bytes = 256u << 20;
  size_t write_buffer_bytes = 64u << 20;
  int background_jobs = 2;
  bool create_if_missing = true;
};

// Opens (creating if needed) the database in `dir`. kIoError naming the
// directory when it cannot be opened (for example, locked by another process).
Result<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& dir, const RocksDbOptions& options = {});

}  // namespace confide
