// What the recommendation models learn from and score for: a shopper's
// events reduced to item numbers, baskets and weights, with no identifiers.
//
// The cell hands models only events read through a `personalization`
// Grant (Cell::History); this file turns them into an Activity. Training
// sets are keyed by the shopper's pseudonym, never by an identifier.
// Everything here is a plain value; functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/string_map.h"
#include "core/time.h"
#include "events/event.h"

namespace confide {

// A model's numbering of products: ids <-> 0..size()-1. Not thread-safe
// while interning; read-only use from many threads is safe.
class ItemVocabulary {
 public:
  uint32_t Intern(std::string_view product_id);
  std::optional<uint32_t> Find(std::string_view product_id) const;
  const std::string& id(uint32_t item) const { return ids_[item]; }
  uint32_t size() const { return static_cast<uint32_t>(ids_.size()); }

 private:
  std::vector<std::string> ids_;
  StringMap<uint32_t> index_;
};

// How much each kind of event says about a shopper's taste (configurable
// under [recommend] in confide.toml). Returns subtract. A weight is
// multiplied by 1 + ln(quantity) for purchases and returns, and by the
// time decay 0.5^(age / half_life) when half_life_days > 0.
struct InteractionWeights {
  float view = 1.0f;
  float search = 0.0f;  // searches carry no product
  float add_to_cart = 2.0f;
  float remove_from_cart = -1.0f;
  float purchase = 4.0f;
  float return_ = -4.0f;
  float pickup = 0.0f;  // the purchase already counted
  double half_life_days = 0;  // 0: no decay
};

// One purchase occasion. Events with an order_id are grouped by it; those
// without by UTC day (a day of ratings or till receipts is one basket).
struct Basket {
  Micros time = 0;        // the earliest event of the basket
  std::string store_id;   // empty when online
  std::vector<uint32_t> items;  // distinct, in first-seen order
};

// One event as models keep it: compact, no identifiers.
struct ItemEvent {
  Micros time = 0;
  uint64_t order = 0;      // hash of the order id; 0: none (baskets by day)
  uint32_t item = 0;
  uint16_t store = kNoStore;  // index into Activity::stores
  EventType type = EventType::kView;
  float quantity = 1;
  static constexpr uint16_t kNoStore = UINT16_MAX;
};

struct Activity {
  // The shopper's events with a product known to the model, oldest first:
  // what everything below is derived from (see Truncated).
  std::vector<ItemEvent> events;
  std::vector<std::string> stores;  // the store ids events refer to

  std::vector<Basket> baskets;  // oldest first
  // Items viewed or carted within one visit (gaps under 30 minutes), for
  // "similar items" (co-viewed).
  std::vector<std::vector<uint32_t>> sessions;
  // Per item: the summed, decayed interaction weight; only items with a
  // positive total, sorted by item.
  std::vector<std::pair<uint32_t, float>> preferences;
  // Added to a cart and neither removed nor bought since.
  std::vector<uint32_t> cart;
  Micros last_event = 0;
};

struct TrainingSet;

// `item_of` numbers a product (nullopt: unknown to the model, skipped).
// Events must be oldest first, as Cell::History returns them.
using ItemLookup = std::function<std::optional<uint32_t>(std::string_view product_id)>;
Activity BuildActivity(std::span<const Event> events, const InteractionWeights& weights, Micros now,
                       const ItemLookup& item_of);
// The shopper as they were before `before`: events from then on dropped,
// everything derived again (decay as of `now`). For validation splits.
Activity Truncated(const Activity& activity, Micros before, const InteractionWeights& weights, Micros now);
// The next visit expected from the shopper's rhythm: the last basket plus
// the median gap between baskets (7 days with fewer than two baskets).
// Offline evaluation ranks "as of" this time, since the true time of the
// next order must not leak into the ranking.
Micros ExpectedNextVisit(const Activity& activity);

// Adds one shopper to a training set: items are interned, the shopper is
// known by `key` (a pseudonym).
void AddShopper(TrainingSet& set, std::string key, std::span<const Event> events, const InteractionWeights& weights);

// What `confide train` and `confide eval` fit models on.
struct TrainingSet {
  ItemVocabulary items;
  std::vector<std::string> shoppers;  // opaque keys (pseudonyms), parallel to activities
  std::vector<Activity> activities;
  Micros as_of = 0;  // the "now" of decays and recency
};

// The user x item matrix of preferences in compressed sparse rows, as ALS
// reads it: row u holds activities[u].preferences.
struct SparseMatrix {
  uint32_t rows = 0;
  uint32_t cols = 0;
  std::vector<uint64_t> row_start;  // rows + 1 entries
  std::vector<uint32_t> cols_of;    // column of each entry
  std::vector<float> values;        // > 0
};
SparseMatrix PreferenceMatrix(const TrainingSet& set);
// The same matrix transposed (item x user).
SparseMatrix Transpose(const SparseMatrix& m);

}  // namespace confide
