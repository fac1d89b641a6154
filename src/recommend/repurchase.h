// Repurchase: the shopper's own items, scored by how often and how lately
// they were bought and whether they are due again.
//
// In grocery and repeat retail the shopper's own repeat items dominate
// next-basket accuracy (Li et al. 2023; TIFU-KNN, Hu et al. 2020), so this
// is usually the strongest single model. Fit learns per item the typical
// repurchase interval (median gap between a shopper's purchases of it) and
// how many of its buyers buy it again; scoring reads one shopper's
// Activity. Read-only after Fit and then thread-safe.
//
// Not everything is bought again: a laptop or a sofa is bought once. An
// item's repeat rate is shrunk towards its category's (items with few
// buyers take after their category; in a category whose pooled rate is
// under min_repeat_rate no item rates above the category), and an item
// whose rate is under min_repeat_rate is not repeatable: it never counts
// as "bought before" and is never due for replenishment.
#pragma once

#include <span>
#include <vector>

#include "core/status.h"
#include "recommend/activity.h"
#include "recommend/scored.h"

namespace confide {

struct RepurchaseOptions {
  // Each older basket counts this much less than the next (TIFU-style
  // within-shopper decay): frequency = sum of decay^(baskets since) over
  // the baskets holding the item, over the same sum over all baskets.
  double basket_decay = 0.9;
  // Items whose buyers buy them again less often than this are durable
  // goods: never "bought before", never due ([recommend] min_repeat_rate).
  double min_repeat_rate = 0.05;
  // How many buyers' worth of the category's rate an item's rate starts
  // from: rate = (repeaters + prior_buyers x category rate) / (buyers + prior_buyers).
  double prior_buyers = 10;
};

// Why an item of the shopper's scores what it does.
struct RepurchaseSignal {
  uint32_t item = 0;
  float frequency = 0;    // decayed share of the shopper's baskets holding it, in (0, 1]
  float recent = 0;       // the same with a steep decay (0.5 per basket): what they buy lately
  float share = 0;        // undecayed share of their baskets holding it
  bool in_last = false;   // in their latest basket
  float due = 0;          // 1 when the time since the last purchase equals the interval, falling off both ways
  float repeat_rate = 0;  // share of the item's buyers who bought it again, shrunk to its category's, in [0, 1]
  bool repeatable = true; // repeat_rate >= min_repeat_rate
  uint32_t count = 0;     // baskets holding it
};

class Repurchase {
 public:
  // `item_category` numbers each item's category (parallel to
  // set.items); empty: every item takes after the whole catalog's rate.
  static Repurchase Fit(const TrainingSet& set, const RepurchaseOptions& options,
                        std::span<const uint32_t> item_category = {});

  // Every item the shopper bought, with its signals, in item order.
  std::vector<RepurchaseSignal> Signals(const Activity& shopper, Micros now) const;
  // Standalone ranking of the repeatable items: frequency x (1 + due) / 2,
  // best first, at most n.
  std::vector<Scored> Recommend(const Activity& shopper, Micros now, size_t n) const;

  // Days between repurchases of the item (0 when nobody bought it twice).
  float IntervalDays(uint32_t item) const { return item < interval_days_.size() ? interval_days_[item] : 0.0f; }
  // The item's (shrunk) repeat rate; 0 for an item the model does not know.
  float RepeatRate(uint32_t item) const { return item < repeat_rate_.size() ? repeat_rate_[item] : 0.0f; }
  // Whether the item is bought again often enough to be offered again.
  bool Repeatable(uint32_t item) const { return RepeatRate(item) >= options_.min_repeat_rate; }

  void Serialize(std::string& out) const;
  // kDataLoss on anything Serialize did not produce.
  static Result<Repurchase> Deserialize(std::string_view in);

 private:
  RepurchaseOptions options_;
  std::vector<float> interval_days_;
  std::vector<float> repeat_rate_;
};

}  // namespace confide
