// A shopper's sessions: a store visit, a call-center order, an online session (search, views,
// cart, maybe checkout).
#include "synth/shopper_sim.h"

#include <vector>

namespace confide::synth {

void ShopperSim::StoreVisit(uint32_t t, bool replenish) {
  const uint16_t store =
      rng_.Chance(0.88) ? home_store_ : static_cast<uint16_t>(model_.stores.Pick(rng_));
  const uint8_t ids = StoreIds();
  if (has_loyalty_ && !loyalty_linked_ && rng_.Chance(0.03)) {
    Identify(t, Channel::kStore, -1);  // signs up for e-receipts at the till
    t += 20;
  }
  Emit(EventType::kStoreVisit, t, Channel::kStore, ids).store = static_cast<uint16_t>(store + 1);
  lines_.clear();
  // In the store anyway: staples that will run out soon go in the basket too.
  AddDueStaples(replenish ? 3 : 5, lines_);
  if (replenish)
    AddImpulse(rng_.Geometric(0.55, 3), lines_);
  else if (rng_.Chance(0.85))
    AddImpulse(1 + rng_.Geometric(0.6, 3), lines_);
  if (lines_.empty()) return;
  const uint32_t checkout = t + 300 + rng_.Below(2400);
  Purchase(checkout, Channel::kStore, ids, static_cast<uint16_t>(store + 1), lines_, false);
}

void ShopperSim::CallCenterOrder(uint32_t t) {
  lines_.clear();
  AddImpulse(1 + rng_.Geometric(0.6, 2), lines_);
  Purchase(t + 240 + rng_.Below(600), Channel::kCallCenter, kCustomerId, 0, lines_, false);
}

void ShopperSim::OnlineSession(uint32_t t, Channel channel, bool replenish) {
  const int device = channel == Channel::kWeb ? 0 : 1;
  const uint8_t anon = device == 0 ? kAnonWeb : kAnonApp;
  // Returning visitors log in now and then; apps keep people logged in more often.
  if (!identified_[device] && !guest_ && seen_[device] &&
      rng_.Chance(replenish ? 0.8 : (device == 0 ? 0.25 : 0.5))) {
    Identify(t, channel, device);
    t += 5;
  }
  seen_[device] = true;
  Visit visit{t, channel, device, identified_[device] ? uint8_t{kCustomerId} : anon};

  cart_.clear();
  double checkout_chance = replenish ? BuyAgain(visit) : BrowseCategory(visit);
  if (cart_.empty()) return;

  if (rng_.Chance(0.18)) {
    RemoveFromCart(visit);
    checkout_chance *= 0.8;
  }
  if (cart_.empty() || !rng_.Chance(checkout_chance)) return;  // abandoned
  Checkout(visit, replenish);
}

void ShopperSim::View(Visit& visit, uint32_t product) {
  visit.t += 8 + rng_.Below(110);
  Emit(EventType::kView, visit.t, visit.channel, visit.ids).product = product;
}

void ShopperSim::AddToCart(Visit& visit, uint32_t product) {
  visit.t += 4 + rng_.Below(40);
  const uint8_t quantity = QuantityFor(product);
  RawEvent& event = Emit(EventType::kAddToCart, visit.t, visit.channel, visit.ids);
  event.product = product;
  event.quantity = quantity;
  event.unit_cents = model_.price_cents[product];
  cart_.push_back({product, quantity});
}

void ShopperSim::RemoveFromCart(Visit& visit) {
  const uint32_t k = rng_.Index(cart_.size());
  visit.t += 5 + rng_.Below(60);
  RawEvent& event = Emit(EventType::kRemoveFromCart, visit.t, visit.channel, visit.ids);
  event.product = cart_[k].product;
  event.quantity = cart_[k].quantity;
  cart_.erase(cart_.begin() + k);
}

// "Buy again": the shopper goes straight for what ran out.
double ShopperSim::BuyAgain(Visit& visit) {
  lines_.clear();
  AddDueStaples(3, lines_);
  for (const Line& line : lines_) {
    if (rng_.Chance(0.6)) View(visit, line.product);
    AddToCart(visit, line.product);
  }
  if (rng_.Chance(0.3)) {
    const uint32_t product = PickAnyProduct();
    View(visit, product);
    if (rng_.Chance(0.4)) AddToCart(visit, product);
  }
  return 0.7;
}

// Browsing one category, maybe from a search; now and then something goes in the cart.
double ShopperSim::BrowseCategory(Visit& visit) {
  const uint32_t category = PickCategory();
  if (rng_.Chance(0.6)) {
    const std::vector<uint16_t>& queries = world_.categories[category].queries;
    visit.t += 3;
    Emit(EventType::kSearch, visit.t, visit.channel, visit.ids).query =
        static_cast<uint16_t>(queries[rng_.Index(queries.size())] + 1);
  }
  const int views = 1 + rng_.Geometric(0.22, 14);
  for (int i = 0; i < views; ++i) {
    const uint32_t product = rng_.Chance(0.85) ? PickProductIn(category) : PickAnyProduct();
    View(visit, product);
    bool in_cart = false;
    for (const Line& line : cart_) in_cart |= line.product == product;
    if (!in_cart && rng_.Chance(0.14)) AddToCart(visit, product);
  }
  return 0.2;
}

void ShopperSim::Checkout(Visit& visit, bool replenish) {
  // Online grocery: anything nearly out rides along in the same order.
  if (!replenish) {
    lines_.clear();
    AddDueStaples(2, lines_);
    for (const Line& line : lines_) {
      bool in_cart = false;
      for (const Line& held : cart_) in_cart |= held.product == line.product;
      if (!in_cart) AddToCart(visit, line.product);
    }
  }
  // Checkout needs an account unless the shopper checks out as a guest.
  visit.t += 30 + rng_.Below(240);
  if (!identified_[visit.device] && !guest_) {
    Identify(visit.t, visit.channel, visit.device);
    visit.ids = kCustomerId;
    visit.t += 10 + rng_.Below(50);
  }
  // Click & collect needs an account (guests get home delivery): no cookie ids in store.
  const bool pickup_in_store = rng_.Chance(0.25) && visit.ids == kCustomerId;
  Purchase(visit.t, visit.channel, visit.ids, 0, cart_, pickup_in_store);
}

}  // namespace confide::synth
