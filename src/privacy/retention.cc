#include "privacy/retention.h"

#include <climits>

namespace confide {

Result<Cell::EventSweep> ApplyRetention(Cell& cell, const Retention& limits, Micros now) {
  auto cutoff = [&](uint32_t days) { return days ? now - static_cast<Micros>(days) * kMicrosPerDay : INT64_MIN; };
  const Micros browsing = cutoff(limits.browsing_days), purchases = cutoff(limits.purchases_days),
               location = cutoff(limits.location_days);
  return cell.DeleteEvents([&](const StoredEventHeader& header) {
    auto category = CategoryOf(header.type);
    Micros limit = !category                                ? INT64_MIN
                   : *category == DataCategory::kPurchases ? purchases
                   : *category == DataCategory::kLocation  ? location
                                                           : browsing;
    return header.timestamp < limit;
  });
}

}  // namespace confide
