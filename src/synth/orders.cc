// A shopper's events and orders: emitting events, logging in, purchases with their pickups
// and returns, and the lines a basket is made of.
#include "synth/shopper_sim.h"

#include <algorithm>
#include <cmath>

namespace confide::synth {

RawEvent& ShopperSim::Emit(EventType type, uint32_t second, Channel channel, uint8_t ids) {
  RawEvent& event = out_.emplace_back();
  event = RawEvent{second, shopper_, kNoProduct, 0, 0, 0, 0, type, channel, ids, 0};
  busy_until_ = std::max(busy_until_, second);
  return event;
}

void ShopperSim::Identify(uint32_t second, Channel channel, int device) {
  uint8_t ids = kCustomerId;
  if (device >= 0) ids |= device == 0 ? kAnonWeb : kAnonApp;
  if (has_loyalty_ && !loyalty_linked_ && (device < 0 || links_loyalty_online_)) {
    ids |= kLoyaltyId;
    loyalty_linked_ = true;
  }
  if (ids == kCustomerId) return;  // nothing to link
  Emit(EventType::kIdentify, second, channel, ids);
  if (device >= 0) identified_[device] = true;
}

void ShopperSim::Purchase(uint32_t second, Channel channel, uint8_t ids, uint16_t store,
                          const std::vector<Line>& lines, bool online_pickup) {
  const uint32_t order = ++orders_;
  for (const Line& line : lines) {
    RawEvent& event = Emit(EventType::kPurchase, second, channel, ids);
    event.product = line.product;
    event.quantity = line.quantity;
    event.unit_cents = SellingPrice(line.product);
    event.order = order;
    event.store = store;
    const RawEvent bought = event;
    MarkStapleBought(line.product);
    const double return_rate =
        world_.categories[world_.products[line.product].category].spec->return_rate;
    if (rng_.Chance(return_rate)) ScheduleReturn(bought);
  }
  if (online_pickup) SchedulePickup(second, ids, order);
}

// Click & collect: within two days, mostly at the home store.
void ShopperSim::SchedulePickup(uint32_t second, uint8_t ids, uint32_t order) {
  const uint32_t at = ClampToOpeningHours(second + 2 * 3600 + rng_.Below(2 * 86400));
  if (at >= model_.days * 86400u) return;
  const uint16_t pickup_store =
      rng_.Chance(0.9) ? home_store_ : static_cast<uint16_t>(model_.stores.Pick(rng_));
  const uint32_t session_busy_until = busy_until_;  // a later errand, not this session
  RawEvent& pickup = Emit(EventType::kPickup, at, Channel::kStore, ids);
  pickup.order = order;
  pickup.store = static_cast<uint16_t>(pickup_store + 1);
  busy_until_ = session_busy_until;
}

uint32_t ShopperSim::ClampToOpeningHours(uint32_t second) {
  const int64_t offset = model_.plan->spec->utc_offset_seconds;
  const int64_t local = ((static_cast<int64_t>(second) + offset) % 86400 + 86400) % 86400;
  if (local >= 9 * 3600 && local < 20 * 3600) return second;
  // Move to 9:00-12:00 local the same or next day.
  int64_t shifted = static_cast<int64_t>(second) - local + 9 * 3600 + rng_.Below(3 * 3600);
  if (local >= 20 * 3600) shifted += 86400;
  if (shifted < static_cast<int64_t>(second)) shifted += 86400;
  return static_cast<uint32_t>(shifted);
}

void ShopperSim::ScheduleReturn(const RawEvent& bought) {
  uint32_t at = bought.second + static_cast<uint32_t>(rng_.Between(2, 30)) * 86400;
  const bool in_store = bought.channel == Channel::kStore || rng_.Chance(0.5);
  if (in_store) at = ClampToOpeningHours(at);
  if (at >= model_.days * 86400u) return;  // after the window: not seen yet
  RawEvent returned = bought;
  returned.type = EventType::kReturn;
  returned.second = at;
  if (in_store) {
    returned.channel = Channel::kStore;
    returned.ids = StoreIds();
    returned.store = static_cast<uint16_t>(home_store_ + 1);
  }
  if (returned.quantity > 1 && rng_.Chance(0.5)) returned.quantity = 1;
  out_.push_back(returned);  // not a session event: leaves busy_until_ alone
}

void ShopperSim::MarkStapleBought(uint32_t product) {
  for (Staple& staple : staples_)
    if (staple.product == product) staple.next_due = day_ + Jitter(staple.cycle);
}

void ShopperSim::AddDueStaples(int32_t lookahead, std::vector<Line>& lines) {
  for (const Staple& staple : staples_) {
    if (staple.next_due > day_ + lookahead) continue;
    bool present = false;
    for (const Line& line : lines) present |= line.product == staple.product;
    if (!present) lines.push_back({staple.product, QuantityFor(staple.product)});
  }
}

void ShopperSim::AddImpulse(int count, std::vector<Line>& lines) {
  for (int i = 0; i < count; ++i) {
    const uint32_t product = PickAnyProduct();
    bool present = false;
    for (const Line& line : lines) present |= line.product == product;
    if (!present) lines.push_back({product, QuantityFor(product)});
  }
}

}  // namespace confide::synth
