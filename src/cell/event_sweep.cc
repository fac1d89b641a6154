// Deleting events by their stored header (privacy/retention.h decides which).
#include "cell/cell_impl.h"

namespace confide {

Result<Cell::EventSweep> Cell::DeleteEvents(const std::function<bool(const StoredEventHeader&)>& expired) {
  Impl& m = *impl_;
  // A node of a shared region first reads the shoppers the others added:
  // a key it does not hold would pass their rows over.
  if (m.shared) CONFIDE_RETURN_IF_ERROR(m.CatchUp());
  DataKeyMap keys;
  {
    absl::MutexLock lock(&m.identity_mu);
    keys = m.data_keys;
  }
  EventSweep sweep;
  WriteBatch batch;
  std::string plain;
  Status s = m.store->ScanPrefix(Family::kEvents, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    ++sweep.scanned;
    auto key = keys.find(Key128(k.substr(0, 16)));
    if (key == keys.end()) return true;  // erased meanwhile: its rows are going anyway
    // A row that does not open is put aside and counted: one damaged row
    // must not stop the sweep for the whole region.
    Status opened = confide::OpenTo(key->second, v, k, plain);
    auto header = opened.ok() ? PeekEvent(plain) : Result<StoredEventHeader>(opened);
    if (!header.ok()) {
      ++sweep.unreadable;
      return true;
    }
    if (expired(*header)) {
      batch.Delete(Family::kEvents, k);
      ++sweep.deleted;
    }
    if (batch.size() < 10'000) return true;
    CONFIDE_RETURN_IF_ERROR(m.store->Write(batch, Durability::kSync));
    batch.Clear();
    return true;
  });
  Wipe(plain);
  CONFIDE_RETURN_IF_ERROR(s);
  if (!batch.empty()) CONFIDE_RETURN_IF_ERROR(m.store->Write(batch, Durability::kSync));
  m.history_epoch.fetch_add(1, std::memory_order_release);
  return sweep;
}

}  // namespace confide
