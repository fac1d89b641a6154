// Cart recovery: abandoned carts of shoppers who granted `marketing`, each
// quoted at effective prices with an incentive from configured rules.
//
// A cart is abandoned when no purchase (in any channel) has covered it
// for `abandon_after_minutes` since its last change, and is offered for
// until `max_age_days`. Shoppers are read only through
// Cell::ForEachGrantedHistory(Purpose::kMarketing): no grant, a refusal,
// a Global Privacy Control signal on record, or an erasure, and the
// shopper is not read at all. Offers carry the identifier to address the
// shopper by (the retailer's messaging needs it) and nothing else
// personal beyond the cart. Nothing here logs.
//
// Thread-safety: ListAbandonedCarts may run concurrently with anything the
// cell does; the results are plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cell/cell.h"
#include "core/config.h"
#include "experiments/assignment.h"
#include "journeys/cart.h"

namespace confide {

struct Incentive {
  uint32_t percent = 0;       // the band's percentage (0: no band reached)
  int64_t amount = 0;         // the discount on the whole cart, micro-units
  bool capped_by_cost = false;  // some line's discount was held at its cost
};

// The highest band the cart's value reaches (bands ascending by
// min_value); the percentage comes off every line, but no line goes below
// its cost when the catalog gives one. Amounts round down to cents.
Incentive IncentiveFor(const PricedCart& cart, const std::vector<IncentiveBand>& bands);

struct RecoveryOffer {
  std::string idempotency_key;  // the same cart state always gets the same key (hex)
  Addressee to;
  PricedCart cart;
  Channel channel = Channel::kWeb;  // where the cart was last changed
  std::string store_id;
  Micros updated = 0;       // the cart's last change
  Micros abandoned_at = 0;  // updated + the abandonment window
  Incentive incentive;
  std::string variant;  // the shopper's, in the region's experiment
};

struct RecoveryQuery {
  Micros now = 0;
  Micros since = 0;     // only carts abandoned at or after this
  Micros line_ttl = 0;  // CartAging::line_ttl: aged lines are neither offered nor count for the incentive
  // The region's experiment: its holdout is offered nothing.
  ExperimentAssignment experiment{std::nullopt};
};

// Every abandoned cart of a shopper with a marketing grant, most recently
// abandoned first. Errors only from reads. Reads every granted shopper:
// for delivery and exports; listings page with ListAbandonedCartsPage.
Result<std::vector<RecoveryOffer>> ListAbandonedCarts(Cell& cell, const CartRecoveryConfig& config,
                                                      const RecoveryQuery& query);

// One page of the same: shoppers in the order of Cell::ForEachGrantedHistoryPage,
// starting after `cursor` (empty: the first page), until `limit` offers are
// found or `max_shoppers` shoppers were considered, so a call decrypts at
// most `max_shoppers` histories whatever the region's size. The page's
// offers are most recently abandoned first; `next_cursor` resumes after
// them (empty: no shopper left).
struct RecoveryPage {
  std::vector<RecoveryOffer> offers;
  std::string next_cursor;
};
Result<RecoveryPage> ListAbandonedCartsPage(Cell& cell, const CartRecoveryConfig& config, const RecoveryQuery& query,
                                            std::string_view cursor, size_t limit, size_t max_shoppers);

// One offer as a JSON object: {"idempotency_key","customer_id"|"loyalty_id"|"anonymous_id",
// "items":[..],"value","currency","channel","store_id","updated_at","abandoned_at",
// "incentive":{"percent","amount","offer_value","capped_by_cost"}}
void WriteRecoveryOffer(JsonWriter& w, const RecoveryOffer& offer, std::string_view currency);

}  // namespace confide
