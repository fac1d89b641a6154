// A region that takes writes again after a failed one, without a restart,
// and a node that reads again what another node changed (shared_region.h).
#include <algorithm>
#include <array>
#include <utility>

#include "cell/cell_impl.h"
#include "core/log.h"

namespace confide {

namespace {
constexpr std::string_view kWriteProbeKey = "write_probe";
// The cell (its Impl) whose request this thread is answering, having
// followed the other nodes at its start (Cell::FollowForRequest).
thread_local const void* followed_here = nullptr;
}  // namespace

Status Cell::Impl::HealIfDiverged() {
  // A refused write (of any thread) reads what moved first, request or not.
  if (shared && (followed_here != this || diverged.load(std::memory_order_acquire)))
    CONFIDE_RETURN_IF_ERROR(CatchUp());
  if (!diverged.load(std::memory_order_acquire)) return {};
  // Nothing is reloaded while the store still refuses writes (the disk is
  // still full): the request fails as the one before it did.
  WriteBatch probe;
  probe.Put(Family::kMeta, kWriteProbeKey, "");
  if (!store->Write(probe, Durability::kSync).ok()) return RefuseIfDiverged();
  absl::MutexLock no_writes(&write_mu);
  absl::MutexLock lock(&identity_mu);
  if (!diverged.load(std::memory_order_acquire)) return {};  // another request healed it
  if (Status loaded = ReloadLocked(); !loaded.ok()) {
    spdlog::error(
        R"("msg":"the region's identities did not reload; writes stay refused","region":"{}","status":"{}")",
        region.id, JsonEscape(loaded.ToString()));
    return RefuseIfDiverged();
  }
  diverged.store(false, std::memory_order_release);
  spdlog::info(R"("msg":"the region's store takes writes again; its identities were reloaded","region":"{}")",
               region.id);
  return {};
}

Status Cell::Impl::CatchUp() {
  auto stored = shared->StoredVersion();
  if (!stored.ok()) return stored.status();
  if (*stored == shared->loaded()) return {};
  absl::MutexLock no_writes(&write_mu);
  absl::MutexLock lock(&identity_mu);
  stored = shared->StoredVersion();  // a write of this node may have moved both meanwhile
  if (!stored.ok()) return stored.status();
  if (*stored == shared->loaded()) return {};
  // Only what the other nodes added, when their lists say so and memory
  // holds nothing a refused write of this node left in it; else (or if
  // that fails) everything.
  auto changed = shared->ChangedRows(shared->loaded(), *stored);
  Status caught = !diverged.load(std::memory_order_acquire) && changed.ok() && *changed
                      ? AddChangedRowsLocked(**changed)
                      : Status(Code::kNotFound, "");
  shared->CountCatchUp(/*whole=*/!caught.ok());
  if (!caught.ok()) caught = ReloadLocked();
  if (Status loaded = caught; !loaded.ok()) {
    spdlog::error(
        R"("msg":"the region changed through another node and did not reload","region":"{}","status":"{}")",
        region.id, JsonEscape(loaded.ToString()));
    return Status(Code::kUnavailable,
                  "the region changed through another node and this node could not read it "
                  "again; retry");
  }
  shared->LoadedAt(*stored);
  diverged.store(false, std::memory_order_release);  // memory is what the store holds
  return {};
}

Status Cell::Impl::FollowCatalog() {
  absl::MutexLock one_at_a_time(&catalog_follow_mu);
  // Read again under the lock: a follow before this one or a write of this
  // node may have moved both.
  auto versions = shared->StoredVersions();
  if (!versions.ok()) return versions.status();
  const uint64_t from = shared->catalog_loaded(), to = versions->catalog;
  if (from == to) return {};
  auto read_again = [&]() -> Status {
    // A store behind this node's memory (restored) is read whole.
    auto changed = to > from ? shared->ChangedRows(from, to, kCatalogChangePrefix)
                             : Result<std::optional<std::vector<SharedRegionStore::Row>>>(std::nullopt);
    if (!changed.ok()) return changed.status();
    if (!*changed || (*changed)->size() > kMostCatalogRowsReread) {
      CONFIDE_RETURN_IF_ERROR(catalog->ReloadMirror());
      return prices->Reload();
    }
    std::array<std::vector<std::string>, kFamilyCount> keys;
    for (auto& row : **changed) keys[static_cast<size_t>(row.family)].push_back(std::move(row.key));
    for (Family family : {Family::kProducts, Family::kStores, Family::kInventory}) {
      auto& of = keys[static_cast<size_t>(family)];
      std::sort(of.begin(), of.end());
      of.erase(std::unique(of.begin(), of.end()), of.end());
      if (!of.empty()) CONFIDE_RETURN_IF_ERROR(catalog->Reread(family, of));
    }
    return keys[static_cast<size_t>(Family::kPrices)].empty() ? Status() : prices->Reload();
  };
  if (Status read = read_again(); !read.ok()) {
    spdlog::error(
        R"("msg":"the catalog changed through another node and did not reload","region":"{}","status":"{}")",
        region.id, JsonEscape(read.ToString()));
    return Status(Code::kUnavailable,
                  "the catalog changed through another node and this node could not read it again; retry");
  }
  shared->CatalogLoadedAt(from, to);
  return {};
}

Status Cell::Impl::AddChangedRowsLocked(const std::vector<SharedRegionStore::Row>& rows) {
  // Grouped by family, each read in one request: identifiers and data keys
  // first, then the ledgers of the holders of new records, read whole.
  std::array<std::vector<std::string>, kFamilyCount> added;
  for (const auto& row : rows) {
    auto& of = added[static_cast<size_t>(row.family)];
    of.push_back(row.family == Family::kConsent ? row.key.substr(0, kShopperKeySize) : row.key);
  }
  for (auto& of : added) {
    std::sort(of.begin(), of.end());
    of.erase(std::unique(of.begin(), of.end()), of.end());
  }
  for (Family family : {Family::kIdentity, Family::kDataKeys}) {
    const auto& wanted = added[static_cast<size_t>(family)];
    auto values = store->GetMany(family, wanted);
    if (!values.ok()) return values.status();
    for (size_t i = 0; i < wanted.size(); ++i) {
      const auto& value = (*values)[i];
      if (!value) return Status(Code::kNotFound, "a row another node added is gone");  // read everything
      if (family == Family::kIdentity && !graph.AddStoredIdentifier(wanted[i], *value))
        return Status(Code::kFailedPrecondition, "an identifier another node added needs a link");
      if (family == Family::kDataKeys) CONFIDE_RETURN_IF_ERROR(AdmitDataKeyLocked(wanted[i], *value));
    }
  }
  std::string plain;
  for (const auto& holder : added[static_cast<size_t>(Family::kConsent)]) {
    const Key256* key = KeyOfLocked(holder);
    if (!key) continue;
    std::vector<ConsentRecord> ledger;
    Status read = store->ScanPrefix(Family::kConsent, holder, [&](std::string_view k, std::string_view v) -> Result<bool> {
      auto record = OpenConsentRow(*key, k, v, plain);
      if (!record.ok()) return record.status();
      ledger.push_back(std::move(*record));
      return true;
    });
    Wipe(plain);
    CONFIDE_RETURN_IF_ERROR(read);
    ledgers[holder] = std::move(ledger);
    // A history read ahead under the old grant is read again (HistoryVersion).
    HistoryShard(holder).fetch_add(1, std::memory_order_release);
  }
  consent_states.clear();
  decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

Result<uint64_t> Cell::FollowOtherNodes() {
  Impl& m = *impl_;
  if (!m.shared) return uint64_t{0};
  auto versions = m.shared->StoredVersions();
  if (!versions.ok()) return versions.status();
  if (versions->shoppers != m.shared->loaded()) CONFIDE_RETURN_IF_ERROR(m.CatchUp());
  if (versions->catalog != m.shared->catalog_loaded()) CONFIDE_RETURN_IF_ERROR(m.FollowCatalog());
  return m.erased_elsewhere.load(std::memory_order_acquire);
}

Result<std::unique_ptr<Cell::Followed>> Cell::FollowForRequest() {
  if (!impl_->shared) return std::unique_ptr<Followed>();
  if (Status followed = FollowOtherNodes().status(); !followed.ok()) return followed;
  return std::unique_ptr<Followed>(new Followed(impl_.get()));
}

Cell::Followed::Followed(const void* cell) : previous_(std::exchange(followed_here, cell)) {}
Cell::Followed::~Followed() { followed_here = previous_; }

void Cell::Impl::ShareStore() {
  auto wrapped = std::make_unique<SharedRegionStore>(std::move(store));
  shared = wrapped.get();
  store = std::move(wrapped);
}

Status Cell::Impl::NoteSharedVersion() {
  if (!shared) return {};
  auto versions = shared->StoredVersions();
  if (!versions.ok()) return versions.status();
  shared->LoadedAt(versions->shoppers);
  shared->CatalogLoadedAt(0, versions->catalog);  // before the catalog is first read
  return {};
}

Status Cell::Impl::ReloadLocked() {
  // Reloaded in place of what memory held, which comes back if the reload
  // fails: a region never goes on with a part of its shoppers forgotten.
  IdentityGraph held_graph = std::exchange(graph, IdentityGraph());
  DataKeyMap held_keys = std::exchange(data_keys, DataKeyMap());
  auto held_ledgers = std::exchange(ledgers, {});
  auto held_erased = std::exchange(erased, {});
  auto held_events = std::exchange(erased_events, {});
  auto held_unscoped = std::exchange(unscoped_erased_events, {});
  Status loaded = graph.Load(*store);
  if (loaded.ok()) loaded = LoadDataKeys();
  if (loaded.ok()) loaded = LoadLedgers();
  if (loaded.ok()) loaded = LoadErasureMarkers();
  // An erasure through another node makes the rotation due here too.
  auto due = loaded.ok() ? store->Get(Family::kMeta, kRekeyDueKey)
                         : Result<std::optional<std::string>>(std::nullopt);
  if (!due.ok()) loaded = due.status();
  if (!loaded.ok()) {
    for (auto& [shopper, key] : data_keys) Wipe(key);
    graph = std::move(held_graph);
    data_keys = std::move(held_keys);
    ledgers = std::move(held_ledgers);
    erased = std::move(held_erased);
    erased_events = std::move(held_events);
    unscoped_erased_events = std::move(held_unscoped);
    return loaded;
  }
  for (auto& [shopper, key] : held_keys) Wipe(key);
  rekey_due = rekey_due || due->has_value();
  uint64_t newly_erased = 0;
  for (const auto& [id, marker] : erased) {  // new, or erased again (a shopper who came back)
    auto held = held_erased.find(id);
    newly_erased += held == held_erased.end() || held->second.erased_at != marker.erased_at;
  }
  erased_elsewhere.fetch_add(newly_erased, std::memory_order_release);
  consent_states.clear();
  // Whatever was cached from the memory the reload replaced goes.
  history_epoch.fetch_add(1, std::memory_order_acq_rel);
  decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  return {};
}

}  // namespace confide
