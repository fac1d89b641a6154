#include "cell/shared_region.h"

#include <cstring>
#include <mutex>
#include <utility>

#include "core/bytes.h"
#include "identity/identity_graph.h"

namespace confide {

namespace {

enum class Touch { kNone, kEvents, kMirrored };

// The rows a cell keeps a copy of in memory (cell_impl.h): of kShoppers,
// the group links only (not the sealed identifiers or delivery records).
bool Mirrored(WriteBatch::OpKind kind, Family f, std::string_view key) {
  return f == Family::kIdentity || f == Family::kDataKeys || f == Family::kConsent || f == Family::kErased ||
         (f == Family::kShoppers &&
          (kind == WriteBatch::OpKind::kDeleteRange || IdentityGraph::IsRootLinkKey(key)));
}

std::string VersionValue(uint64_t version) {
  std::string v;
  PutFixed64BE(v, version);
  return v;
}

std::optional<std::string> Expected(uint64_t version) {
  if (version == 0) return std::nullopt;  // the row is made by the first move
  return VersionValue(version);
}

// A counter's row as read (absent: 0).
Result<uint64_t> VersionIn(const std::optional<std::string>& row, std::string_view what) {
  if (!row) return uint64_t{0};
  if (row->size() != 8)
    return Status(Code::kDataLoss, "meta: the region's " + std::string(what) + " is damaged");
  return GetFixed64BE(*row);
}

bool InCatalog(Family f) {
  return f == Family::kProducts || f == Family::kStores || f == Family::kInventory || f == Family::kStock ||
         f == Family::kPrices;
}

std::string ChangeKey(uint64_t version, std::string_view prefix = kSharedChangePrefix) {
  std::string key(prefix);
  PutFixed64BE(key, version);
  return key;
}

// Expects the counter `version_key` at `at`, moves it on and leaves the
// move's list under `prefix`, dropping the earlier ones when `drop_lists`,
// else the one kKeptChanges moves old.
void AddMove(WriteBatch& batch, std::string_view version_key, std::string_view prefix, uint64_t at,
             const std::string& list, bool drop_lists) {
  batch.Expect(Family::kMeta, version_key, Expected(at));
  batch.Put(Family::kMeta, version_key, VersionValue(at + 1));
  batch.Put(Family::kMeta, ChangeKey(at + 1, prefix), list);
  if (drop_lists)
    batch.DeleteRange(Family::kMeta, ChangeKey(0, prefix), ChangeKey(at + 1, prefix));
  else if (at + 1 > SharedRegionStore::kKeptChanges)
    batch.Delete(Family::kMeta, ChangeKey(at + 1 - SharedRegionStore::kKeptChanges, prefix));
}

// What a batch touches, in one pass. `list`, for a move: 'i' then each row
// added (family, then the key, sized), when it only added identifiers,
// data keys and consent records; else 'f'. `erases`: it deleted mirrored
// rows. `catalog_list`: the same for the catalog's rows, each written or
// deleted ('f' after a deleted range).
struct Change {
  Touch touch = Touch::kNone;
  std::string list = "i";
  bool erases = false;
  bool catalog = false;
  std::string catalog_list = "i";
  bool prices_listed = false;
};

void AddRow(std::string& list, Family f, std::string_view key) {
  if (list[0] != 'i') return;
  list.push_back(static_cast<char>(f));
  sized::Append(list, key);
}

Change ChangeOf(const WriteBatch& batch) {
  Change change;
  batch.ForEach([&](WriteBatch::OpKind kind, Family f, std::string_view key, std::string_view) {
    if (InCatalog(f)) {
      change.catalog = true;
      if (f == Family::kStock) return;  // an index of kInventory: its rows are read again
      if (f == Family::kPrices) {       // any row of them has the rules read again whole: one is listed
        if (!std::exchange(change.prices_listed, true)) AddRow(change.catalog_list, f, key);
        return;
      }
      if (kind == WriteBatch::OpKind::kDeleteRange) change.catalog_list = "f";
      AddRow(change.catalog_list, f, key);
      return;
    }
    if (!Mirrored(kind, f, key)) {
      // An event sealed under a data key another node may have destroyed; a
      // deletion (retention) depends on nothing mirrored.
      if (f == Family::kEvents && kind == WriteBatch::OpKind::kPut && change.touch == Touch::kNone)
        change.touch = Touch::kEvents;
      return;
    }
    change.touch = Touch::kMirrored;
    change.erases = change.erases || kind != WriteBatch::OpKind::kPut;
    const bool added = kind == WriteBatch::OpKind::kPut &&
                       (f == Family::kIdentity || f == Family::kDataKeys || f == Family::kConsent);
    if (!added) change.list = "f";
    AddRow(change.list, f, key);
  });
  return change;
}

Status Moved(std::atomic<uint64_t>& refused) {
  refused.fetch_add(1, std::memory_order_relaxed);
  return Status(Code::kUnavailable,
                "another node changed the region since this node last read it; it reads it again: retry");
}

}  // namespace

SharedRegionStore::SharedRegionStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}

Result<uint64_t> SharedRegionStore::StoredVersion() {
  auto row = inner_->Get(Family::kMeta, kSharedVersionKey);
  if (!row.ok()) return row.status();
  return VersionIn(*row, "shared version");
}

Result<SharedRegionStore::Versions> SharedRegionStore::StoredVersions() {
  auto rows =
      inner_->GetMany(Family::kMeta, {std::string(kSharedVersionKey), std::string(kCatalogVersionKey)});
  if (!rows.ok()) return rows.status();
  auto shoppers = VersionIn((*rows)[0], "shared version");
  auto catalog = VersionIn((*rows)[1], "catalog version");
  if (!shoppers.ok()) return shoppers.status();
  if (!catalog.ok()) return catalog.status();
  return Versions{*shoppers, *catalog};
}

Status SharedRegionStore::Write(const WriteBatch& batch, Durability durability) {
  Change change = ChangeOf(batch);
  if (change.touch == Touch::kNone && !change.catalog) return inner_->Write(batch, durability);
  WriteBatch fenced = batch;
  std::unique_lock<std::mutex> catalog_alone;
  uint64_t catalog_at = 0;
  if (change.catalog) {
    catalog_alone = std::unique_lock(catalog_writing_);
    catalog_at = catalog_loaded();
    AddMove(fenced, kCatalogVersionKey, kCatalogChangePrefix, catalog_at, change.catalog_list, false);
  }
  Status written;
  if (change.touch == Touch::kMirrored) {
    std::unique_lock alone(writing_);
    const uint64_t at = loaded();
    // After an erasure no list names the erased shopper's rows any more.
    AddMove(fenced, kSharedVersionKey, kSharedChangePrefix, at, change.list, change.erases);
    written = inner_->Write(fenced, durability);
    // This node's memory holds what it wrote: it stays current. (A write whose
    // outcome is unknown leaves it behind, so that it reads the store again.)
    if (written.ok()) LoadedAt(at + 1);
  } else {
    std::shared_lock sharing(writing_);
    if (change.touch == Touch::kEvents) fenced.Expect(Family::kMeta, kSharedVersionKey, Expected(loaded()));
    written = inner_->Write(fenced, durability);
  }
  if (written.code() == Code::kFailedPrecondition) return Moved(refused_);
  if (written.ok() && change.catalog) CatalogLoadedAt(catalog_at, catalog_at + 1);
  return written;
}

std::vector<StoreFigure> SharedRegionStore::Figures() {
  auto figures = inner_->Figures();
  auto count = [&](const char* name, const char* help, const std::atomic<uint64_t>& n) {
    figures.push_back({name, help, StoreFigure::Kind::kCounter, static_cast<double>(n.load())});
  };
  count("shared_catch_ups_total", "Times this node read the rows other nodes of the region added.",
        catch_ups_);
  count("shared_reloads_total",
        "Times this node reloaded the region's shoppers whole after another node's change.", reloads_);
  count("shared_writes_refused_total", "Writes refused because another node had changed the region first.",
        refused_);
  return figures;
}

Result<std::optional<std::vector<SharedRegionStore::Row>>> SharedRegionStore::ChangedRows(
    uint64_t from, uint64_t to, std::string_view prefix) {
  std::vector<Row> rows;
  uint64_t lists = 0;
  bool added_only = true;
  CONFIDE_RETURN_IF_ERROR(inner_->ScanRange(
      Family::kMeta, ChangeKey(from + 1, prefix), ChangeKey(to + 1, prefix),
      [&](std::string_view, std::string_view list) {
        ++lists;
        added_only = !list.empty() && list[0] == 'i';
        for (list.remove_prefix(added_only ? 1 : list.size()); added_only && !list.empty();) {
          uint32_t n = 0;
          if (list.size() >= 1 + sizeof n) std::memcpy(&n, list.data() + 1, sizeof n);
          if (list.size() < 1 + sizeof n || n > list.size() - 1 - sizeof n) {
            added_only = false;  // damaged: read everything instead
            break;
          }
          Row& row = rows.emplace_back();
          row.family = static_cast<Family>(list[0]);
          list.remove_prefix(1);
          row.key.assign(sized::Take(list));
        }
        return added_only;
      }));
  if (!added_only || lists != to - from) return std::optional<std::vector<Row>>();
  return std::optional<std::vector<Row>>(std::move(rows));
}

Status SharedRegionStore::IngestSorted(const std::vector<std::pair<Family, const SortedRows*>>& tables) {
  CONFIDE_RETURN_IF_ERROR(inner_->IngestSorted(tables));
  // Moved whatever it was: every node, this one too, then reloads.
  for (;;) {
    auto at = StoredVersion();
    if (!at.ok()) return at.status();
    WriteBatch move;
    move.Expect(Family::kMeta, kSharedVersionKey, Expected(*at));
    move.Put(Family::kMeta, kSharedVersionKey, VersionValue(*at + 1));
    Status written = inner_->Write(move, Durability::kSync);
    if (written.code() != Code::kFailedPrecondition) return written;
  }
}

}  // namespace confide
