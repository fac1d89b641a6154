// For tests of erasure notices: a shopper who was sent an offer, then
// erased, which queues one notice for the offer's receiver.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "cell/cell.h"

namespace confide {

// Shopper `id` ingested through `cell`, sent an offer at `url`, then erased
// through it: one notice queued. The erasure's time (0 when it failed).
inline Micros SentThenErased(Cell& cell, const std::string& id, const std::string& url) {
  Event e;
  e.event_id = id + "-e";
  e.type = EventType::kSearch;
  e.query = "q";
  e.channel = Channel::kWeb;
  e.timestamp = *ParseRfc3339("2025-03-01T10:00:00Z");
  e.id(IdKind::kCustomer) = id;
  EXPECT_TRUE(cell.Ingest({e}).ok());
  auto recorded = cell.RecordDeliveries(
      {{url.substr(7), url, "cart_recovery_offer", "k", IdKind::kCustomer, id, NowMicros()}});
  EXPECT_TRUE(recorded.ok() && (*recorded)[0]);
  auto receipt = cell.Erase(IdKind::kCustomer, id);
  EXPECT_TRUE(receipt.ok());
  return receipt.ok() ? receipt->at : 0;
}

}  // namespace confide
