// Retention: events older than their category's maximum age are deleted.
#include <climits>

#include "cell/cell_impl.h"

namespace confide {

Result<Cell::RetentionReport> Cell::ApplyRetention(const Retention& limits, Micros now) {
  Impl& m = *impl_;
  auto cutoff = [&](uint32_t days) { return days ? now - static_cast<Micros>(days) * kMicrosPerDay : INT64_MIN; };
  const Micros browsing = cutoff(limits.browsing_days), purchases = cutoff(limits.purchases_days),
               location = cutoff(limits.location_days);
  DataKeyMap keys;
  {
    absl::MutexLock lock(&m.identity_mu);
    keys = m.data_keys;
  }
  RetentionReport report;
  WriteBatch batch;
  std::string plain;
  Status s = m.store->ScanPrefix(Family::kEvents, "", [&](std::string_view k, std::string_view v) -> Result<bool> {
    ++report.scanned;
    auto key = keys.find(Key128(k.substr(0, 16)));
    if (key == keys.end()) return true;  // erased meanwhile: its rows are going anyway
    // A row that does not open is put aside and counted: one damaged row
    // must not stop retention for the whole region.
    Status opened = confide::OpenTo(key->second, v, k, plain);
    auto header = opened.ok() ? PeekEvent(plain) : Result<StoredEventHeader>(opened);
    if (!header.ok()) {
      ++report.unreadable;
      return true;
    }
    auto category = CategoryOf(header->type);
    Micros limit = !category                                ? INT64_MIN
                   : *category == DataCategory::kPurchases ? purchases
                   : *category == DataCategory::kLocation  ? location
                                                           : browsing;
    if (header->timestamp < limit) {
      batch.Delete(Family::kEvents, k);
      ++report.deleted;
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
  return report;
}

}  // namespace confide
