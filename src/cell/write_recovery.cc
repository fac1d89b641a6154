// A region that takes writes again after a failed one, without a restart.
#include <utility>

#include "core/log.h"

#include "cell/cell_impl.h"

namespace confide {

namespace {
constexpr std::string_view kWriteProbeKey = "write_probe";
}  // namespace

Status Cell::Impl::HealIfDiverged() {
  if (!diverged.load(std::memory_order_acquire)) return {};
  // Nothing is reloaded while the store still refuses writes (the disk is
  // still full): the request fails as the one before it did.
  WriteBatch probe;
  probe.Put(Family::kMeta, kWriteProbeKey, "");
  if (!store->Write(probe, Durability::kSync).ok()) return RefuseIfDiverged();
  absl::MutexLock no_writes(&write_mu);
  absl::MutexLock lock(&identity_mu);
  if (!diverged.load(std::memory_order_acquire)) return {};  // another request healed it
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
  if (!loaded.ok()) {
    for (auto& [shopper, key] : data_keys) Wipe(key);
    graph = std::move(held_graph);
    data_keys = std::move(held_keys);
    ledgers = std::move(held_ledgers);
    erased = std::move(held_erased);
    erased_events = std::move(held_events);
    unscoped_erased_events = std::move(held_unscoped);
    spdlog::error(R"("msg":"the region's identities did not reload; writes stay refused","region":"{}","status":"{}")",
                  region.id, JsonEscape(loaded.ToString()));
    return RefuseIfDiverged();
  }
  for (auto& [shopper, key] : held_keys) Wipe(key);
  consent_states.clear();
  // Whatever was cached from the memory that was ahead of the store goes.
  history_epoch.fetch_add(1, std::memory_order_acq_rel);
  decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  diverged.store(false, std::memory_order_release);
  spdlog::info(R"("msg":"the region's store takes writes again; its identities were reloaded","region":"{}")", region.id);
  return {};
}

}  // namespace confide
