#include "privacy/retention.h"

namespace confide {

Result<Cell::EventSweep> ApplyRetention(Cell& cell, const Retention& limits, Micros now) {
  return cell.DeleteEvents([&](const StoredEventHeader& header) {
    return header.timestamp < OldestRetained(limits, header.type, now);
  });
}

}  // namespace confide
