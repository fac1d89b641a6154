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
#include <utility>
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
  kErased,     // erasure markers: identifier pseudonym -> time erased, refusals kept
  kNotices,    // erasure notices queued for webhook receivers, each sealed under a key of its own
  kErasures,   // the erasure list: time erased + pseudonym -> match values of the erased ids
};
constexpr size_t kFamilyCount = 16;
const char* FamilyName(Family f);

enum class Durability { kSync, kBuffered };

// WriteBatch and SortedRows buffer records as length-prefixed strings
// (a 4-byte native length, then the bytes).
namespace sized {
inline void Append(std::string& rep, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  rep.append(reinterpret_cast<const char*>(&n), sizeof n);
  rep.append(s);
}
// Reads one from the front of `in` and drops it from `in`.
inline std::string_view Take(std::string_view& in) {
  uint32_t n;
  std::memcpy(&n, in.data(), sizeof n);
  std::string_view s = in.substr(sizeof n, n);
  in.remove_prefix(sizeof n + n);
  return s;
}
}  // namespace sized

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
  // A condition of the whole batch: it is applied only if row `key` of `f`
  // then holds `value` (nullopt: the row is absent), checked atomically
  // with the write; else Store::Write answers kFailedPrecondition having
  // written nothing. Several nodes writing one database learn so of each
  // other's writes (a compare-and-set). Not an operation: ForEach skips it.
  struct Expectation {
    Family family = Family::kMeta;
    std::string key;
    std::optional<std::string> value;
  };
  void Expect(Family f, std::string_view key, std::optional<std::string_view> value) {
    expectations_.push_back({f, std::string(key), value ? std::optional<std::string>(*value) : std::nullopt});
  }
  const std::vector<Expectation>& expectations() const { return expectations_; }

  bool empty() const { return count_ == 0; }
  size_t size() const { return count_; }
  void Clear() {
    rep_.clear();
    count_ = 0;
    expectations_.clear();
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
      std::string_view key = sized::Take(in), value = sized::Take(in);
      fn(kind, family, key, value);
    }
  }

 private:
  void Append(OpKind kind, Family f, std::string_view key, std::string_view value) {
    rep_.push_back(static_cast<char>(kind));
    rep_.push_back(static_cast<char>(f));
    sized::Append(rep_, key);
    sized::Append(rep_, value);
    ++count_;
  }

  std::string rep_;
  size_t count_ = 0;
  std::vector<Expectation> expectations_;
};

// Rows for Store::IngestSorted: keys and values appended to buffers (no
// allocation per row) in any order, then sorted once by key. Rows with
// equal keys keep their order of addition. Not thread-safe.
class SortedRows {
 public:
  // Appends a row whose value `fill(out)` appends to `out` (so a value can
  // be produced in place, e.g. sealed straight into the buffer).
  template <typename Fill>
  void AddWith(std::string_view key, Fill&& fill) {
    if (chunks_.empty()) chunks_.emplace_back();
    std::string& rep = chunks_.back();
    const size_t at = rep.size();
    sized::Append(rep, key);
    const size_t value_at = rep.size();
    rep.append(sizeof(uint32_t), '\0');
    fill(rep);
    uint32_t n = static_cast<uint32_t>(rep.size() - value_at - sizeof(uint32_t));
    std::memcpy(rep.data() + value_at, &n, sizeof n);
    bytes_ += rep.size() - at;
    rows_.push_back({{Word(key, 0), Word(key, 8), Word(key, 16)}, static_cast<uint32_t>(chunks_.size() - 1),
                     static_cast<uint32_t>(at)});
  }
  void Add(std::string_view key, std::string_view value) {
    AddWith(key, [&](std::string& out) { out.append(value); });
  }
  // Room for about `bytes` of rows before the current buffer grows.
  void Reserve(size_t bytes) {
    if (chunks_.empty()) chunks_.emplace_back();
    chunks_.back().reserve(bytes);
  }
  // Takes every row of `other` (unsorted), without copying them; `other`
  // is left empty.
  void Append(SortedRows&& other);

  // Orders the rows by key (bytewise), so ForEach visits them in order.
  void Sort();

  // Calls fn(key, value) for each row, in key order once sorted.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    // Sorted rows are read from all over the buffers: each is prefetched a
    // few rows ahead, or nearly every row would wait on memory.
    constexpr size_t kAhead = 8;
    for (size_t i = 0; i < rows_.size(); ++i) {
      if (i + kAhead < rows_.size()) {
        const Row& next = rows_[i + kAhead];
        const char* at = chunks_[next.chunk].data() + next.offset;
        __builtin_prefetch(at);
        __builtin_prefetch(at + 64);
      }
      const Row& r = rows_[i];
      const std::string& rep = chunks_[r.chunk];
      std::string_view in(rep.data() + r.offset, rep.size() - r.offset);
      std::string_view key = sized::Take(in), value = sized::Take(in);
      fn(key, value);
    }
  }

  size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  size_t bytes() const { return bytes_; }  // of keys and values
  void Clear() {
    chunks_.clear();
    rows_.clear();
    bytes_ = 0;
  }
  void swap(SortedRows& other) noexcept {
    chunks_.swap(other.chunks_);
    rows_.swap(other.rows_);
    std::swap(bytes_, other.bytes_);
  }

 private:
  struct Row {
    // The key's first 24 bytes as big-endian words: comparisons of storage
    // keys (two pseudonyms) end there, without reading the buffers.
    uint64_t prefix[3];
    uint32_t chunk;  // where the row is: chunks_[chunk] at offset
    uint32_t offset;
  };
  static uint64_t Word(std::string_view key, size_t from) {
    uint64_t p = 0;
    for (size_t i = from; i < from + 8; ++i) p = (p << 8) | (i < key.size() ? static_cast<uint8_t>(key[i]) : 0);
    return p;
  }
  std::string_view KeyAt(const Row& r) const {
    const std::string& rep = chunks_[r.chunk];
    std::string_view in(rep.data() + r.offset, rep.size() - r.offset);
    return sized::Take(in);
  }

  std::vector<std::string> chunks_;  // each < 4 GiB
  std::vector<Row> rows_;
  size_t bytes_ = 0;
};

// Visits entries in key order: returns true to go on, false to stop, or an
// error, which stops the scan and is what the scan returns.
using ScanFn = std::function<Result<bool>(std::string_view key, std::string_view value)>;

// Reads the prefixes of one family one after another through one cursor:
// for many short reads in (roughly) key order it saves what each ScanPrefix
// pays to start (a new iterator, its first seek and read-ahead). Sees what
// is committed when each Scan starts or a little earlier (a cursor may
// serve several scans from one view); not for reads that must see a write
// made after the reader was created. One thread at a time; destroy it
// before its store.
class PrefixReader {
 public:
  virtual ~PrefixReader() = default;
  // As Store::ScanPrefix.
  virtual Status Scan(std::string_view prefix, const ScanFn& fn) = 0;
  // As Store::ScanPrefixes; the default scans each prefix in turn.
  virtual Status ScanEach(const std::vector<std::string>& prefixes, const ScanFn& fn);
};

// One figure of a store for /metrics, named without the
// "confide_store_" prefix /metrics adds.
struct StoreFigure {
  enum class Kind { kGauge, kCounter, kHistogram };
  std::string name;  // e.g. "memtable_bytes"
  std::string help;  // one line
  Kind kind = Kind::kGauge;
  double value = 0;  // a histogram's sum
  // A histogram's cumulative counts by upper bound; its count follows as +Inf.
  std::vector<std::pair<double, uint64_t>> buckets{};
  uint64_t count = 0;
};

// A database's primary and its standbys, as the primary sees them.
struct StoreReplication {
  int standbys = 0;  // connected to the primary
  // What follows is nullopt when the database role may not read it (grant
  // it pg_monitor), and the lag when no standby is connected.
  std::optional<int> synchronous_standbys;  // acknowledging commits
  // Behind the primary's write position (the slowest standby).
  std::optional<uint64_t> lag_bytes;
  std::optional<double> lag_seconds;
};

class Store {
 public:
  virtual ~Store() = default;

  // All of `batch` or nothing. kUnavailable, having written nothing, while
  // the store cannot take writes (see Health).
  virtual Status Write(const WriteBatch& batch, Durability durability = Durability::kSync) = 0;

  // nullopt when absent.
  virtual Result<std::optional<std::string>> Get(Family f, std::string_view key) = 0;

  // The values of `keys`, in order (nullopt for an absent key; a key asked
  // twice is answered twice); the default asks Get for each.
  virtual Result<std::vector<std::optional<std::string>>> GetMany(Family f,
                                                                  const std::vector<std::string>& keys);
  // One lookup per key, in order; fills `found[i]` with whether keys[i] exists.
  virtual Status Contains(Family f, const std::vector<std::string>& keys, std::vector<bool>& found) = 0;

  // Entries whose key starts with `prefix`, in order.
  virtual Status ScanPrefix(Family f, std::string_view prefix, const ScanFn& fn) = 0;

  // Entries under each of `prefixes`, one prefix after another, each in
  // key order; `fn` returning false stops the whole scan. The default asks
  // ScanPrefix for each; a database server answers them in one statement
  // (a shopper's history is one prefix per linked identifier).
  virtual Status ScanPrefixes(Family f, const std::vector<std::string>& prefixes, const ScanFn& fn);

  // A reader of family `f` (see PrefixReader); the default scans each
  // prefix on its own.
  virtual std::unique_ptr<PrefixReader> NewPrefixReader(Family f);

  // Entries with begin <= key < end (an empty `end` means no upper bound).
  virtual Status ScanRange(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) = 0;

  // Makes buffered writes durable.
  virtual Status Sync() = 0;

  // Rewrites all files so deleted data is physically gone (used by erasure).
  virtual Status CompactAll() = 0;

  // Reads every stored byte and checks it: serve does so before it listens,
  // so that it never starts on a half-readable region. kDataLoss naming the
  // damaged file.
  virtual Status VerifyChecksums() { return {}; }

  // OK while the store takes writes; kUnavailable from a failed write (a
  // full disk) until the store has recovered from it, which any read or
  // write tries, and while it holds writes back to catch up (Write then
  // waits a moment and answers kUnavailable). Cheap, never blocks (/readyz).
  virtual Status Health() { return {}; }

  // A consistent copy of everything committed, as a database of this
  // backend in the new directory `dir` (which must not exist), openable on
  // its own (backups). kFailedPrecondition for a backend that has none.
  virtual Status Checkpoint(const std::string& dir) {
    return Status(Code::kFailedPrecondition, dir + ": this store takes no checkpoint");
  }

  // Backend counters for tests and benchmarks: "wal_syncs", "writes",
  // "bytes_written" (both backends), "connections_lost" (PostgreSQL); 0
  // for a name the backend does not keep.
  virtual uint64_t Counter(std::string_view name) = 0;

  // The backend's own gauges, counters and histograms for /metrics.
  virtual std::vector<StoreFigure> Figures() { return {}; }

  // The database's replication for /readyz: nullopt for a store without
  // one (embedded); else what was last read, at most seconds old, or the
  // Health error. Cheap, never blocks.
  virtual Result<std::optional<StoreReplication>> Replication() { return std::optional<StoreReplication>(); }

  // A lock named `name` over every process that uses the store, so that
  // some work runs on one node at a time (training): nullptr while another
  // process holds it. Released when the Hold goes, or with its process.
  // The default, for a store one process opens, always grants it.
  class Hold {
   public:
    virtual ~Hold() = default;
    // Whether this process still holds it: false once it was lost with the
    // database connection it lived on, when another process may take it
    // (work under it stops). Always true for a store one process opens.
    virtual bool Held() { return true; }
  };
  virtual Result<std::unique_ptr<Hold>> TryHold(std::string_view name);
  // Bulk loading (offline imports). Writes each table's rows (sorted; of
  // equal keys the last added wins) as one table file of its family and
  // adds them all atomically, without the write-ahead log or the memtable:
  // on return every row is durable and readable; after a crash before it
  // returns, none is. Earlier buffered writes are made durable first, so
  // the rows may depend on them. A row replaces an existing row with the
  // same key. Empty tables are skipped.
  virtual Status IngestSorted(const std::vector<std::pair<Family, const SortedRows*>>& tables) = 0;

  // Between BeginBulkLoad and EndBulkLoad, family `f` is not compacted
  // automatically, so that bulk loads add files that are rewritten once
  // rather than level by level. EndBulkLoad compacts `f` once if
  // `compact`, then resumes automatic compaction. Reopening the store
  // always resumes it.
  virtual Status BeginBulkLoad(Family f) = 0;
  virtual Status EndBulkLoad(Family f, bool compact) = 0;
};

// The error of a batch whose expectation `e` did not hold (Store::Write).
Status UnmetExpectation(const WriteBatch::Expectation& e);
// Reads each row `batch` expects from `store`: UnmetExpectation for the
// first that differs. Atomic with the write only if the caller excludes
// other writers of those rows meanwhile.
Status CheckExpectations(Store& store, const WriteBatch& batch);

struct RocksDbOptions {
  size_t block_cache_bytes = 256u << 20;
  size_t write_buffer_bytes = 8u << 20;
  int background_jobs = 2;
  bool create_if_missing = true;
};

// Opens (creating if needed) the database in `dir`. kIoError naming the
// directory when it cannot be opened; kUnavailable when another process
// holds it (its lock).
Result<std::unique_ptr<Store>> OpenRocksDbStore(const std::string& dir, const RocksDbOptions& options = {});

// Opens a region's store in `dir`: the seam through which a cell gets its
// store, as LevelDB takes an Env. The RocksDB backend is the default; tests
// wrap it to inject faults (store/faulty_store.h); another backend plugs in
// here. Called once per open; must be safe to call from any thread.
using StoreFactory = std::function<Result<std::unique_ptr<Store>>(const std::string& dir)>;
StoreFactory RocksDbStoreFactory(const RocksDbOptions& options = {});

}  // namespace confide
