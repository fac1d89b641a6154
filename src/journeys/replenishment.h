// Replenishment: for each item a shopper buys again and again, when they
// will need it next, how sure we are, and how many they usually take.
//
// Per item, purchase occasions are the distinct UTC days it was bought
// (quantities summed). The repurchase interval is the median gap between
// occasions; when history is short (one or two gaps) it is shrunk towards
// a prior: the item's typical cycle across shoppers (the trained
// repurchase model), else the shopper's own rhythm (median gap between any
// two purchase days). Items the repurchase model finds are not bought again
// (durable goods, Repurchase::Repeatable) are never due, however often this
// shopper bought them. With those priors:
//   interval = (gaps x median + w x prior) / (gaps + w),  w = prior_weight.
// The next due date is the last occasion plus the interval. Confidence
// grows with the number of gaps and their regularity (median absolute
// deviation over the median) and falls once the item is overdue by more
// than a cycle (the shopper has probably moved on). The usual quantity is
// the median quantity per occasion.
//
// Reads only the history it is given (Cell::History through a grant:
// personalization in the app, marketing for outbound suggestions). Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/time.h"
#include "events/event.h"

namespace confide {

struct DueItem {
  std::string product_id;
  Micros last_purchase = 0;
  Micros due = 0;
  double interval_days = 0;
  double confidence = 0;   // in [0, 1]
  int64_t quantity = 1;    // usual quantity per occasion
  uint32_t occasions = 0;  // purchase days of the item
};

// What shoppers at large do with an item.
struct ItemCycle {
  double interval_days = 0;  // typical repurchase cycle across shoppers; 0: unknown
  bool repeatable = true;    // false: a durable good, never due
};
using CyclePrior = std::function<ItemCycle(std::string_view product_id)>;

struct ModelSet;
// The priors of a trained model set's repurchase model (nothing when
// `models` is null). `models` must outlive the function.
CyclePrior ItemCyclesOf(const ModelSet* models);

// Every item bought on at least config.min_purchases distinct days, with
// its prediction, soonest due first.
std::vector<DueItem> PredictReplenishment(std::span<const Event> history, Micros now, const CyclePrior& item_cycle,
                                          const ReplenishmentConfig& config);

// Those due by now + horizon (overdue ones included) at least
// config.min_confidence sure (so items lapsed long ago drop out), soonest first.
std::vector<DueItem> DueWithin(std::span<const Event> history, Micros now, Micros horizon, const CyclePrior& item_cycle,
                               const ReplenishmentConfig& config);

// "7d", "36h", "2w" -> micro-units; nullopt for anything else, or outside
// one hour to 365 days.
std::optional<Micros> ParseHorizon(std::string_view text);

}  // namespace confide
