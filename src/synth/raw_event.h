// The simulation's events before they are written (RawEvent). Internal to synth/.
#pragma once

#include <cstdint>

#include "synth/generator.h"

namespace confide::synth {

// Which identifiers an event carries (RawEvent::ids).
enum IdBits : uint8_t { kCustomerId = 1, kLoyaltyId = 2, kAnonWeb = 4, kAnonApp = 8 };

// One event, compact so a region's whole history can be sorted in memory.
struct RawEvent {
  uint32_t second;   // since Options::start
  uint32_t shopper;  // region-local index; customer number - 1
  uint32_t product;  // kNoProduct or index
  uint32_t unit_cents;
  uint32_t order;  // per-shopper order number, 0 = none
  uint16_t store;  // index into the region's stores + 1, 0 = none
  uint16_t query;  // World::queries index + 1, 0 = none
  EventType type;
  Channel channel;
  uint8_t ids;       // IdBits
  uint8_t quantity;  // 0 = none
};
static_assert(sizeof(RawEvent) == 28);
constexpr uint32_t kNoProduct = UINT32_MAX;

}  // namespace confide::synth
