// Pricing: one list price per product per region (Product::price), and the
// store- or channel-specific prices and promotions recorded against it,
// each with its scope and period. Everything that quotes a price to a
// shopper (recommendations, carts, offers, replenishment) quotes the
// effective price for the shopper's channel and store, from here.
//
// Rules (docs/api.md, Journeys):
// - A price rule (kind `price`) replaces the list price in its scope: a
//   store (sales in that store, channel `store`) or a channel; the most
//   specific rule in effect wins (store over channel), then the latest.
// - A promotion (kind `promotion`) applies to every channel and store
//   unless its rule names a channel or a store; the one giving the lowest
//   price applies (promotions do not stack). Percentages round to cents.
// - A rule is in effect from `starts` (or when recorded) until `ends`.
//
// Not personal data: stored in clear in the `prices` family, keyed
// product + '\0' + rule id (docs/storage.md). PriceList is thread-safe;
// PriceBook is a read-only snapshot, safe to share between threads.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/catalog.h"
#include "core/record.h"
#include "core/status.h"
#include "core/string_map.h"
#include "core/time.h"
#include "events/event.h"
#include "store/store.h"

namespace confide {

struct PriceRule {
  enum class Kind : uint8_t { kPrice, kPromotion };
  std::string id;          // unique per product; re-sending an id replaces the rule
  std::string product_id;
  Kind kind = Kind::kPrice;
  std::string store_id;    // empty: any store; set: only sales in that store
  std::optional<Channel> channel;  // empty: every channel
  int64_t price = 0;       // micro-units: kPrice's price, or a promotion's fixed price (0: percent_off)
  uint32_t percent_off = 0;  // promotion: 1..99
  Micros starts = 0;       // 0: from when it was recorded
  Micros ends = 0;         // 0: open-ended; exclusive
  Micros recorded = 0;     // set when stored

  Micros since() const { return starts ? starts : recorded; }
  bool InEffect(Micros now) const { return since() <= now && (ends == 0 || now < ends); }
};

// Where a price is quoted: the shopper's channel and, for sales in a
// store, the store.
struct PriceContext {
  Channel channel = Channel::kWeb;
  std::string store_id;  // used with channel `store` only
  Micros now = 0;
};

struct Quote {
  int64_t list_price = 0;   // the region's one list price
  int64_t price = 0;        // effective: after the scoped price and the promotion
  std::string price_rule;   // the scoped price applied, if any
  std::string promotion;    // the promotion applied, if any
  Micros since = 0;         // when the applied rules took effect (0: list price)
};

// Fields: id, product_id, kind (price|promotion, default price),
// store_id, channel, price, percent_off, starts, ends (RFC 3339). A price
// needs `price`; a promotion exactly one of `price` and `percent_off`;
// ends after starts. Errors name the field.
Result<PriceRule> PriceRuleFromRecord(const Record& r);
std::string PriceRuleToJson(const PriceRule& rule);

// The effective price of `product` in `context` under `rules` (any rules:
// those of other products, out of effect or out of scope are ignored). Pure.
Quote QuotePrice(const Product& product, std::span<const PriceRule> rules, const PriceContext& context);

// The rules stored in a cell's Store.
// Rules per product are answered from memory (RulesOf, QuoteFor), filled
// from the store by the first of them; Put writes the store, durably, then
// memory. A region's prices go through one PriceList (Cell::prices()).
class PriceList {
 public:
  explicit PriceList(Store& store) : store_(store) {}
  // Upserts, stamping `recorded`; durable on return.
  Status Put(std::vector<PriceRule> rules, Micros now);
  // Removes every rule of the product (it left the catalog, and a product
  // made later under its id starts at its list price); durable on return.
  Status DeleteRulesOf(std::string_view product_id);
  // In rule id order.
  Result<std::vector<PriceRule>> RulesOf(std::string_view product_id);
  // Every rule, grouped by product (product order); return false to stop.
  Status ForEach(const std::function<Result<bool>(const PriceRule&)>& fn);
  // The quote for one product (kNotFound, field product_id, if the
  // catalog lacks it).
  Result<Quote> QuoteFor(Catalog& catalog, std::string_view product_id, const PriceContext& context);
  // The quote for a product the caller has read from the catalog already.
  Result<Quote> QuoteFor(const Product& product, const PriceContext& context);
  // Reads every rule again, as another writer left them (a region several
  // nodes serve, cell/shared_region.h); readers see the old rules or the
  // new, whole.
  Status Reload();

 private:
  using RuleMap = StringMap<std::vector<PriceRule>>;
  Status LoadMirror();
  static void Mirror(RuleMap& by_product, const PriceRule& rule);

  Store& store_;
  // Orders store writes and mirror updates, and the load.
  absl::Mutex write_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::atomic<bool> mirrored_{false};
  mutable absl::Mutex mu_;
  RuleMap by_product_ ABSL_GUARDED_BY(mu_);
};

class PriceBook {
 public:
  static Result<PriceBook> Load(PriceList& prices);
  Quote For(const Product& product, const PriceContext& context) const;

 private:
  std::unordered_map<std::string, std::vector<PriceRule>> by_product_;
};

// The price-consistency report: each product whose effective price differs
// between channels or stores at `now`, with the price in every context,
// the largest difference and since when it differs. Contexts: the channels
// web, app and call_center, the store channel in every store a rule of the
// product names, and in the other stores.
struct PriceVariant {
  Channel channel = Channel::kWeb;
  std::string store_id;  // channel store: the store; empty: the stores without a rule of their own
  Quote quote;
};
struct PriceInconsistency {
  std::string product_id;
  int64_t list_price = 0;
  int64_t min_price = 0, max_price = 0;
  Micros since = 0;  // the earliest `since` among variants off the list price
  std::vector<PriceVariant> variants;
};
Result<std::vector<PriceInconsistency>> PriceConsistencyReport(Catalog& catalog, PriceList& prices, Micros now);
// {"products":[{"product_id":..,"list_price":..,"min_price":..,"max_price":..,"difference":..,
//   "since":..,"prices":[{"channel":..,"store_id":..,"price":..,"price_rule":..,"promotion":..,"since":..}]}]}
std::string PriceConsistencyToJson(const std::vector<PriceInconsistency>& report);
// {"product_id":..,"channel":..,"store_id":..,"list_price":..,"price":..,"price_rule":..,"promotion":..,"since":..}
std::string QuoteToJson(std::string_view product_id, const PriceContext& context, const Quote& quote);

}  // namespace confide
