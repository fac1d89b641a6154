// The synthetic omnichannel retailer: a deterministic generator of the CSV
// files Confide's importer reads, realistic enough for demos and for
// evaluating the recommender offline.
//
// One call writes, for every region, <out_dir>/<region>/ with:
//   products.csv   id,title,category,brand,price,cost,active
//   stores.csv     id,name,latitude,longitude
//   inventory.csv  location,product_id,quantity        (location: store id or "online")
//   events.csv     event_id,type,timestamp,customer_id,anonymous_id,loyalty_id,channel,
//                  product_id,quantity,unit_price,currency,order_id,store_id,query
// CSV: a header line first, '\n' line ends, RFC 4180 quoting when a field holds a comma,
// quote or line break (only titles, names and queries ever do).
//
// What the data looks like:
// - ~40 categories (grocery staples, household, apparel, electronics, home, leisure), a few
//   brands each, Zipf-like product popularity (with a little regional taste), ~2% inactive
//   products. The same product ids in every region; prices in the region's currency
//   (eu EUR x1.00, us USD x1.10, apac SGD x1.45), 2 decimals.
// - Stores split ~45% eu / 40% us / 15% apac (at least one each) around real city centres.
//   Ids S0001.. are unique across regions.
// - Shoppers are split over regions in proportion to stores. Each has a home store, a
//   channel profile (store-only, web-heavy, app-heavy, omnichannel), a heavy-tailed activity
//   level, favourite categories and staple items re-bought on a personal cycle.
// - Ids: customer_id C0000001.. (unique within a region), loyalty_id L000000001.. (~60% of
//   shoppers), anonymous_id A<12 hex> per web/app device. Every event carries exactly one
//   of the three, except `identify`, which carries customer_id plus anonymous_id and/or
//   loyalty_id and so links them. Devices stay anonymous until their shopper logs in (some
//   never do and check out as guests); in-store events use the loyalty id when there is one.
// - Sessions: search -> view -> add_to_cart -> purchase (lines of a basket share an
//   order_id) or abandonment (about two carts in three, some with remove_from_cart);
//   store_visit -> purchases with store_id; buy online, pickup in store; some returns of
//   earlier purchases (same order_id); a few call-center orders.
// - Weekly rhythm, Black Friday and a December peak; local shopping hours per region.
//
// events.csv is in time order within each file (ties keep generation order), and event ids
// `e<region>-<n>` count up from 1 in that order. Timestamps are whole seconds, formatted as
// FormatRfc3339 does, within [start, start + days).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "events/event.h"

namespace confide::synth {

// Events use the schema's vocabulary (events/event.h), written by name.
using confide::Channel;
using confide::EventType;
using confide::kChannelCount;
using confide::kEventTypeCount;

// The regions the generator knows, with their currency: eu (EUR), us (USD), apac (SGD).
// Returns an empty view for any other name. Thread-safe.
std::string_view RegionCurrency(std::string_view region);

struct Options {
  uint32_t shoppers = 200'000;  // across all regions
  uint32_t stores = 300;        // across all regions
  uint32_t products = 20'000;   // the same catalog in every region
  uint32_t days = 365;
  uint64_t seed = 42;
  Micros start = 1'735'689'600 * kMicrosPerSecond;  // 2025-01-01T00:00:00Z, the first day
  std::vector<std::string> regions = {"eu", "us", "apac"};
};

struct RegionSummary {
  std::string region;
  std::string currency;
  uint64_t stores = 0;          // rows of stores.csv
  uint64_t shoppers = 0;        // customers simulated in this region
  uint64_t products = 0;        // rows of products.csv
  uint64_t inventory_rows = 0;  // rows of inventory.csv
  uint64_t events = 0;          // rows of events.csv
  uint64_t orders = 0;          // distinct order_ids of purchases
  // Rows of events.csv per type, indexed by EventType.
  std::array<uint64_t, kEventTypeCount> events_by_type{};
};

struct Summary {
  std::vector<RegionSummary> regions;  // in Options::regions order
  uint64_t total_events = 0;
};

// Checks `options` without writing anything. Errors: kInvalidArgument whose field() names
// the option ("shoppers", "stores", "products", "days", "regions", "start"): shoppers, stores,
// products and days must be at least 1 (stores at least one per region) and below sane caps;
// regions must be a non-empty list of distinct known regions; start must be a whole second
// between 1970 and 2200. Thread-safe.
Status Validate(const Options& options);

// Writes the retailer described by `options` under `out_dir` (creating directories as
// needed, overwriting existing files) and returns what was written.
// Deterministic: the same options give byte-identical files. Randomness is our own
// xoshiro256** with hand-written distributions (no std:: distributions, clock or environment);
// across platforms it relies only on IEEE doubles and libm's exp/log/pow/cos (glibc's agree).
// `progress(done_shoppers, total_shoppers)` is called every few thousand shoppers and
// once at the end with done == total; it may be empty, and is always called on the calling
// thread.
// Cost: the default scale writes ~10 million events (~1 GB) in seconds; memory holds one
// region's events at a time (~28 bytes each).
// Errors: those of Validate(); kIoError, naming the path, when a directory or file cannot
// be created or written (files already written are left in place).
// Thread-safe: concurrent calls are fine as long as they write to different directories.
Result<Summary> Generate(const Options& options, const std::string& out_dir,
                         const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace confide::synth
