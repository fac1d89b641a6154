// The rows analytics reads: each granted shopper's orders in a period.
//
// Read through Cell::ForEachGrantedHistory(Purpose::kAnalytics): a shopper
// group contributes only while its analytics grant allows `purchases`
// (contact and financial data never reach analytics: consent/purpose.h), so
// a withdrawal or an erasure removes the shopper from every later read. One
// ShopperOrders per shopper group: the unit of privacy. Nothing here names
// a shopper: groups are kept apart only by position.
//
// ReadGrantedOrders decrypts from the store on every call (no cache).
// Plain values; the reader is as thread-safe as the Cell.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "events/event.h"

namespace confide {
class Cell;
}

namespace confide::analytics {

struct OrderLine {
  std::string product_id;
  std::string category;  // from the catalog; empty when the product is unknown
  int64_t quantity = 0;
  int64_t amount = 0;    // quantity x unit price, in hundredths of the currency
};

struct Order {
  Micros time = 0;
  Channel channel = Channel::kWeb;
  std::string store_id;    // the fulfilling store, if any
  bool picked_up = false;  // an online order collected in store (a pickup event)
  std::vector<OrderLine> lines;
  int64_t items() const;
  int64_t amount() const;
};

struct ShopperOrders {
  std::vector<Order> orders;  // oldest first
};

using Dataset = std::vector<ShopperOrders>;

// Every granted shopper's purchases with from <= time < to, grouped into
// orders by order id (a purchase without one is an order of its own), with
// categories from the cell's catalog. Shoppers without such a purchase are
// left out. Read errors are returned as they are.
Result<Dataset> ReadGrantedOrders(Cell& cell, Micros from, Micros to);

// The same from histories already read (for tests and the CLI's
// offline reads): purchases and pickups of each history, categories by
// `category_of`.
ShopperOrders OrdersFromHistory(const std::vector<Event>& history, Micros from, Micros to,
                                const std::function<std::string(const std::string&)>& category_of);

}  // namespace confide::analytics
