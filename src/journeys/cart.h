// Cart: one cart per shopper across channels, derived from their events.
//
// The cart is not stored anywhere: it is what the shopper's add_to_cart and
// remove_from_cart events from any channel add up to, minus what a
// purchase in any channel (web, app, store, call center) has covered since.
// Add on the web, see it in the app; buy it in a store, and it is gone.
// Lines age: one not added to for `line_ttl` drops out, so a cart shows
// and offers what the shopper wants now, not what they once considered.
// The history comes from Cell::History through a grant (personalization
// for in-app use, marketing for recovery offers), so the cart is only ever
// seen through one. Pure functions over plain values; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "catalog/pricing.h"
#include "consent/policy.h"
#include "core/config.h"
#include "core/time.h"
#include "events/event.h"

namespace confide {

struct CartLine {
  std::string product_id;
  int64_t quantity = 0;
  Channel channel = Channel::kWeb;  // where it was last added
  Micros added = 0;                 // when it was last added
};

struct Cart {
  std::vector<CartLine> lines;  // in the order first added
  Micros updated = 0;           // the last add or remove still reflected in the cart
  Channel channel = Channel::kWeb;  // the channel of that event
  std::string store_id;         // and its store, if any
  bool empty() const { return lines.empty(); }
};

// How old a line may grow: a line whose last add is `line_ttl` or more
// before an event (or before `now`, at the end) has dropped out, so a
// later add starts it afresh. line_ttl 0: lines never age.
struct CartAging {
  Micros now = 0;
  Micros line_ttl = 0;
};

// [journeys] cart_line_ttl_days as a CartAging::line_ttl.
inline Micros CartLineTtl(const JourneysConfig& config) { return Micros{config.cart_line_ttl_days} * kMicrosPerDay; }

// The cart as of `aging.now`, from `history` (oldest first, as
// Cell::History returns it): an add adds its quantity (1 when none), a
// remove takes its quantity away (the whole line when none or more), a
// purchase in any channel takes its quantity off its line (the whole line
// when it has no quantity or covers it; a return, negative, changes
// nothing).
Cart DeriveCart(std::span<const Event> history, const CartAging& aging);

// Whether a history read through `grant` can tell the cart: it needs the
// adds (browsing) and the purchases that cover them. A shopper who opted
// out of either has no cart to show or recover.
bool CartIsKnowable(const Grant& grant);

// The identifier to address a shopper by in outbound messages: the
// latest customer id in the history, else loyalty, else anonymous. Empty
// kind value when the history has none. Read the history with its identify
// events (Cell::History with_links): a login may be the only event that
// carries the customer id.
struct Addressee {
  IdKind kind = IdKind::kCustomer;
  std::string id;
};
Addressee AddresseeOf(std::span<const Event> history);

// A cart quoted at effective prices.
struct PricedLine {
  CartLine line;
  std::string title;
  int64_t unit_price = 0;      // effective price for the context
  std::optional<int64_t> cost;  // unit cost when the catalog gives it
};
struct PricedCart {
  std::vector<PricedLine> lines;  // products the catalog lacks or holds inactive are left out
  int64_t value = 0;              // sum of quantity x unit price
};

// Quotes each line through `prices` for `context`; `product_of` looks a
// product up (nullptr: unknown).
PricedCart PriceCart(const Cart& cart, const PriceBook& prices, const PriceContext& context,
                     const std::function<const Product*(std::string_view)>& product_of);

// {"items":[{"product_id","title","quantity","unit_price","channel","added_at"}],"value":..}
// members written into an open object.
void WritePricedCart(JsonWriter& w, const PricedCart& cart);

}  // namespace confide
