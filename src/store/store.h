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
#include <cstring>
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
  kEvents,     // sealed event payloads, keyed by shopper and event id pseudonym
  kConsent,    // sealed consent ledger records, keyed by shopper and time
  kAudit,      // the hash-chained audit log, keyed by sequence number
  kProducts,   // catalog (not personal)
  kStores,
  kInventory,
  kModels,     // trained model sets by version (items and aggregates only)
  kPrices,     // store- and channel-specific prices and promotions (not personal)
  kStock,      // inventory by product: product + location -> quantity (an index of kInventory)
};
constexpr size_t kFamilyCount = 13;
const char* FamilyName(Family f);

enum class Durability { kSync, kBuffered };

// A batch of writes, applied atomically by Store::Write. Operations are
// appended to one buffer (no allocation per operation) and replayed in order.
class WriteBatch {
 public:
  enum class OpKind : uint8_t { kPut, kDelete, kDeleteRange };

  void Put(Family f, std::string_view key, std::string_view value) { Append(OpKind::kPut, f, key, value); }
  void Delete(Family f, std::string_view key) { Append(OpKind::kDelete, f, key, {}); }
  // Deletes begin <= key < end.
  void DeleteRange(Family f, std::string_view begin, std::string_view end) {
    Append(OpKind::kDeleteRange, f, begin, end);
  }
  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  void Clear() {
    rep_.clear();
    count_ = 0;
  }

  // Calls fn(kind, family, key, value) for each operation in order; for
  // kDeleteRange, value is the end key.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    std::string_view in = rep_;
    while (!in.empty()) {
      auto kind = static_cast<OpKind>(in[0]);
      auto family = static_cast<Family>(in[1]);
      in.remove_prefix(2);
      std::string_view key = Take(in), value = Take(in);
      fn(kind, family, key, value);
    }
  }

 private:
  void Append(OpKind kind, Family f, std::string_view key, std::string_view value) {
    rep_.push_back(static_cast<char>(kind));
    rep_.push_back(static_cast<char>(f));
    AppendSized(key);
    AppendSized(value);
    ++count_;
  }
  void AppendSized(std::string_view s) {
    uint32_t n = static_cast<uint32_t>(s.size());
    rep_.append(reinterpret_cast<const char*>(&n), sizeof n);
    rep_.append(s);
  }
  static std::string_view Take(std::string_view& in) {
    uint32_t n;
    std::memcpy(&n, in.data(), sizeof n);
    std::string_view s = in.substr(sizeof n, n);
    in.remove_prefix(sizeof n + n);
    return s;
  }

  std::string rep_;
  size_t count_ = 0;
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
  size_t write_buffer_bytes = 8u << 20;
  int background_jobs = 2;
  bool create_if_missing = true;
};

// Opens (creating if needed) the database in `dir`. kIoError naming the
// directory when it cannot be opened (for example, locked by another process).
Result<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& dir, const RocksDbOptions& options = {});

}  // namespace confide
