// The Instacart sample (instacart-1000) as purchase events.
//
// The Instacart data has no dates, only each user's order sequence, so
// times are derived, by this rule:
//   - A user's orders are taken in order_number order. The last one (the
//     highest order_number: the `test` order in the sample) is placed on
//     the anchor date, 2017-12-31, at order_hour_of_day:00 UTC.
//   - Going backwards, order k is placed days_since_prior_order(k+1) days
//     before the date of order k+1 (days_since_prior_order is the gap
//     before an order, empty on a user's first order, capped at 30 in the
//     data), at its own order_hour_of_day:00 UTC.
//   - Going forwards, an order whose time so placed is not after the
//     previous order's (a same-day re-order, gap 0, at the same or an
//     earlier hour: 140 of the sample's orders) is moved to one minute
//     after the previous order, so a user's times strictly increase. Its
//     date is unchanged unless the previous order is at 23:59.
//   - order_dow is not used: weekdays of the derived dates do not match it.
// Each item of an order becomes a `purchase` record with event_id
// "ic-<order_id>-<add_to_cart_order>", customer_id = user_id, channel
// "app", product_id, quantity 1, order_id and the order's timestamp (RFC
// 3339), and no price. The `test` orders have no items, so they produce no
// events, but they still anchor the times.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/record.h"
#include "core/status.h"
#include "core/time.h"

namespace confide {

// The date the last order of every user is placed on.
constexpr int64_t kInstacartAnchorDay = 17531;  // days since 1970-01-01 of 2017-12-31

struct InstacartSummary {
  uint64_t orders = 0;  // rows of orders_demo.csv, with or without items
  uint64_t items = 0;   // events produced: rows of order_items_demo.csv
  uint64_t users = 0;
};

// Reads `dir`/orders_demo.csv and `dir`/order_items_demo.csv (each plain or
// with .gz appended) and calls `fn` with each event record, in (user_id,
// order_number, add_to_cart_order) order. The record and its values are
// valid only during the call. Errors: kNotFound for a missing file;
// kInvalidArgument naming the file and line for a bad row (a missing or
// non-integer id, an item of an unknown order, a duplicate order or
// add_to_cart_order, a later order without days_since_prior_order).
// Nothing is passed to `fn` before both files are read and checked.
// Thread-safe: state is per call.
Result<InstacartSummary> ReadInstacart(const std::string& dir,
                                       const std::function<void(const Record&)>& fn);

}  // namespace confide
