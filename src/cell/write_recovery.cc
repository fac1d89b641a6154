// A region that takes writes again after a failed one, without a restart.
#include <spdlog/spdlog.h>

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
  graph = IdentityGraph();
  for (auto& [shopper, key] : data_keys) Wipe(key);
  data_keys.clear();
  ledgers.clear();
  consent_states.clear();
  erased.clear();
  erased_events.clear();
  unscoped_erased_events.clear();
  CONFIDE_RETURN_IF_ERROR(graph.Load(*store));
  CONFIDE_RETURN_IF_ERROR(LoadDataKeys());
  CONFIDE_RETURN_IF_ERROR(LoadLedgers());
  CONFIDE_RETURN_IF_ERROR(LoadErasureMarkers());
  // Whatever was cached from the memory that was ahead of the store goes.
  history_epoch.fetch_add(1, std::memory_order_acq_rel);
  decisions_generation.fetch_add(1, std::memory_order_acq_rel);
  diverged.store(false, std::memory_order_release);
  spdlog::info(R"("msg":"the region's store takes writes again; its identities were reloaded","region":"{}")", region.id);
  return {};
}

}  // namespace confide
