// A region served by several nodes at once (RegionConfig::several_nodes):
// what one node changes of the rows every node mirrors in memory, the
// others learn before their next request acts on it.
//
// A cell mirrors the identity graph (identifiers and group links), the
// data keys, the consent ledgers and the erasure markers. One counter in the meta family versions those
// rows: a write of them expects the counter to be the version the node's
// memory was loaded at and moves it on; a write of events only expects it.
// Either fails, writing nothing, once another node has moved it, and the
// node reloads before its next request, which also first compares the
// counter (one read). So no node serves or writes from a stale mirror: a
// consent withdrawal or an erasure through one node holds on every node's
// next request, and an event is never sealed for a shopper another node
// has erased.
//
// A move also leaves the list of mirrored rows it wrote (their keys, the
// pseudonyms they are stored under), so that a node catching up reads
// those rows alone when every move since its own only added identifiers,
// data keys or consent records (new shoppers, decisions); it reloads
// everything after a link, an erasure, or once the lists it needs are gone
// (the last kKeptChanges are kept; an erasure drops them all).
//
// The catalog (products, stores, inventory and price rules), which every
// node mirrors too, has a counter and lists of its own: a catalog write
// expects and moves it, and lists the rows it wrote (put or deleted); the
// other nodes read those rows again (Catalog::Reread, PriceList::Reload).
// Event and shopper writes never wait for it, nor catalog writes for theirs.
//
// The store the cell of such a region writes through: it forwards to the
// region's store and adds the expectations and the lists.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace confide {

// The meta row of the counter (8 bytes, big-endian; absent: 0), and the
// prefix of the lists of the moves (then the version, 8 bytes big-endian).
inline constexpr std::string_view kSharedVersionKey = "shared_version";
inline constexpr std::string_view kSharedChangePrefix = "shared_change/";
inline constexpr std::string_view kCatalogVersionKey = "catalog_version";
inline constexpr std::string_view kCatalogChangePrefix = "catalog_change/";

class SharedRegionStore final : public Store {
 public:
  explicit SharedRegionStore(std::unique_ptr<Store> inner);

  // The version the store holds now.
  Result<uint64_t> StoredVersion();
  // It and the catalog's, in one read.
  struct Versions {
    uint64_t shoppers = 0, catalog = 0;
  };
  Result<Versions> StoredVersions();
  // The version the node's memory was loaded at.
  uint64_t loaded() const { return loaded_.load(std::memory_order_acquire); }
  // Memory was (re)loaded after StoredVersion answered `version`.
  void LoadedAt(uint64_t version) { loaded_.store(version, std::memory_order_release); }
  // The same for the catalog's copy: it moves from `from` to `to`, unless
  // something else moved it meanwhile.
  uint64_t catalog_loaded() const { return catalog_loaded_.load(std::memory_order_acquire); }
  void CatalogLoadedAt(uint64_t from, uint64_t to) { catalog_loaded_.compare_exchange_strong(from, to); }

  // The mirrored rows the moves after version `from` up to `to` wrote, when
  // each left its list and only added rows; else nullopt (reload them all).
  // With kCatalogChangePrefix, the catalog's rows (written or deleted).
  struct Row {
    Family family = Family::kMeta;
    std::string key;
  };
  Result<std::optional<std::vector<Row>>> ChangedRows(uint64_t from, uint64_t to,
                                                      std::string_view prefix = kSharedChangePrefix);
  static constexpr uint64_t kKeptChanges = 1024;

  // A batch touching the mirrored families expects and moves the version,
  // one touching events expects it, one touching the catalog expects and
  // moves the catalog's; each answers kUnavailable (retry) when another
  // node moved what it expects. Other batches are forwarded as they are.
  Status Write(const WriteBatch& batch, Durability durability) override;
  // Rows loaded in bulk (imports) are mirrored rows: the version moves after.
  Status IngestSorted(const std::vector<std::pair<Family, const SortedRows*>>& tables) override;

  Result<std::optional<std::string>> Get(Family f, std::string_view key) override {
    return inner_->Get(f, key);
  }
  Result<std::vector<std::optional<std::string>>> GetMany(Family f,
                                                          const std::vector<std::string>& keys) override {
    return inner_->GetMany(f, keys);
  }
  Status Contains(Family f, const std::vector<std::string>& keys, std::vector<bool>& found) override {
    return inner_->Contains(f, keys, found);
  }
  Status ScanPrefix(Family f, std::string_view prefix, const ScanFn& fn) override {
    return inner_->ScanPrefix(f, prefix, fn);
  }
  Status ScanPrefixes(Family f, const std::vector<std::string>& prefixes, const ScanFn& fn) override {
    return inner_->ScanPrefixes(f, prefixes, fn);
  }
  std::unique_ptr<PrefixReader> NewPrefixReader(Family f) override { return inner_->NewPrefixReader(f); }
  Status ScanRange(Family f, std::string_view begin, std::string_view end, const ScanFn& fn) override {
    return inner_->ScanRange(f, begin, end, fn);
  }
  Status Sync() override { return inner_->Sync(); }
  Status CompactAll() override { return inner_->CompactAll(); }
  Status VerifyChecksums() override { return inner_->VerifyChecksums(); }
  Status Health() override { return inner_->Health(); }
  uint64_t Counter(std::string_view name) override { return inner_->Counter(name); }
  // The store's, and how this node followed the others: catch-ups row by
  // row, whole reloads, and writes refused for a stale mirror.
  std::vector<StoreFigure> Figures() override;
  void CountCatchUp(bool whole) { (whole ? reloads_ : catch_ups_).fetch_add(1, std::memory_order_relaxed); }
  Result<std::optional<StoreReplication>> Replication() override { return inner_->Replication(); }
  Result<std::unique_ptr<Hold>> TryHold(std::string_view name) override { return inner_->TryHold(name); }
  Status BeginBulkLoad(Family f) override { return inner_->BeginBulkLoad(f); }
  Status EndBulkLoad(Family f, bool compact) override { return inner_->EndBulkLoad(f, compact); }

 private:
  std::unique_ptr<Store> inner_;
  std::atomic<uint64_t> loaded_{0}, catalog_loaded_{0};
  std::atomic<uint64_t> catch_ups_{0}, reloads_{0}, refused_{0};
  // Writes that only expect the version share it; a write that moves it
  // holds it alone, so that this node's own writes never fail each other's
  // expectation.
  std::shared_mutex writing_;
  std::mutex catalog_writing_;  // this node's catalog writes, one at a time
};

}  // namespace confide
